// Secret-leak check over a whole test run's output (issue #7, platform.md §8 SEC-06): the keys and tokens the
// test harness configures must never show up in anything the tests print. A passing test prints no secret; a
// failing one may (an assertion diff), but then the run fails anyway.
import { createHash } from "node:crypto";
import { CALLER_TOKEN, LANE_KEYS } from "../tests/helpers/gateway.ts";

const [file] = process.argv.slice(2);
if (file === undefined) {
  console.error("usage: bun .ci/leak-grep.ts <test-output-file>");
  process.exit(2);
}
const text = await Bun.file(file).text();
const secrets = [CALLER_TOKEN, ...Object.values(LANE_KEYS)];
// Bedrock keys are ACCESS_KEY_ID:SECRET; the secret half alone is a leak too.
for (const k of Object.values(LANE_KEYS)) if (k.includes(":")) secrets.push(k.slice(k.indexOf(":") + 1));
const forms = secrets.flatMap((s) => [s, createHash("sha256").update(s).digest("hex"), Buffer.from(s).toString("base64")]);
const leaked = forms.filter((f) => text.includes(f));
if (leaked.length > 0) {
  console.error(`secret leak: ${leaked.length} configured secret form(s) appear in the test output (values withheld)`);
  process.exit(1);
}
console.log(`leak check: ${forms.length} secret forms, none in ${text.length} bytes of test output`);
