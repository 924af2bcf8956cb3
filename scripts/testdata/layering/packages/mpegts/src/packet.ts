export const packetSize = 188;
