export { checkOffer, OfferRefused, type OfferMedia } from "./offer.ts";
export { startRtmpForward, type RtmpForward, type RtmpForwardOptions } from "./rtmp-forward.ts";
export { acceptOffer, type IceOptions, type MediaSink, type WhipSession } from "./session.ts";
export { startWhipServer, type PublishRequest, type PublishTarget, type WhipEvent, type WhipServer, type WhipServerOptions } from "./server.ts";
