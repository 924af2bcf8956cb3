/** Bytes that are not the ISO BMFF they claim to be (a box overruns its parent, a sample overruns its mdat, ...). */
export class MalformedMp4 extends Error {
  override name = "MalformedMp4";
}

/** Well-formed ISO BMFF this library does not encrypt (an unknown video codec, an already encrypted track, ...). */
export class UnsupportedMp4 extends Error {
  override name = "UnsupportedMp4";
}

/** A media segment that ended inside a box, or with a moof that has no mdat. */
export class TruncatedSegment extends Error {
  override name = "TruncatedSegment";
}

/** A key id or content key that is not 16 bytes. */
export class InvalidCencKey extends Error {
  override name = "InvalidCencKey";
}
