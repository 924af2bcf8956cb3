export const FLV_TAG = { audio: 8, video: 9, scriptData: 18 } as const;
export type FlvTagType = (typeof FLV_TAG)[keyof typeof FLV_TAG];

/** "FLV", version 1, audio and video present, header size 9, then PreviousTagSize0. */
export const FLV_HEADER = Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x05, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00]);

const TAG_HEADER_SIZE = 11;

/** One FLV tag followed by its PreviousTagSize; the timestamp is 32 bits, its top byte in TimestampExtended. */
export function flvTag(type: FlvTagType, timestamp: number, data: Buffer): Buffer {
  const tag = Buffer.allocUnsafe(TAG_HEADER_SIZE + data.length + 4);
  tag[0] = type;
  tag.writeUIntBE(data.length, 1, 3);
  tag.writeUIntBE(timestamp & 0xffffff, 4, 3);
  tag[7] = (timestamp >>> 24) & 0xff;
  tag.writeUIntBE(0, 8, 3);
  data.copy(tag, TAG_HEADER_SIZE);
  tag.writeUInt32BE(TAG_HEADER_SIZE + data.length, TAG_HEADER_SIZE + data.length);
  return tag;
}
