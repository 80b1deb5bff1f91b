// Preloaded into Portkey's Node process (`node --import`): its server listens on every interface by
// default and has no host flag, so bind any listener that names no host to 127.0.0.1 instead.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    if (typeof args[1] !== "string") args.splice(1, args[1] === undefined ? 1 : 0, "127.0.0.1");
  } else if (first !== null && typeof first === "object" && first.path === undefined && first.host === undefined) {
    args[0] = { ...first, host: "127.0.0.1" };
  }
  return listen.apply(this, args);
};
