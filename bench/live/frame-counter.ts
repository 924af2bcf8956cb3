/**
 * A frame counter burnt into the camera's picture and read back in the viewer's browser: a black strip across the top
 * of the 1920x1080 picture holding a reference white box, a reference black slot, then 16 boxes, box i white when
 * bit i of the frame number is set. The boxes are 96 px, so 16 px on the 240p rendition (1080p scaled by 1/6).
 */

export const COUNTER = {
  sourceWidth: 1920,
  sourceHeight: 1080,
  stripHeight: 104,
  boxTop: 4,
  box: 96,
  slotLeft: 6,
  slot: 106,
  bits: 16,
  /** Slot 0 is always white, slot 1 always black; bit i is slot i + 2. */
  firstBitSlot: 2,
};
export type CounterGeometry = typeof COUNTER;

/** ffmpeg filters that draw the counter (drawbox's timeline `n` is the frame number, from 0). */
export function counterFilter(geometry: CounterGeometry = COUNTER): string {
  const { stripHeight, boxTop, box, slotLeft, slot, bits, firstBitSlot } = geometry;
  const at = (index: number) => `x=${slotLeft + index * slot}:y=${boxTop}:w=${box}:h=${box}`;
  return [
    `drawbox=x=0:y=0:w=iw:h=${stripHeight}:color=black:t=fill`,
    `drawbox=${at(0)}:color=white:t=fill`,
    ...Array.from({ length: bits }, (_, bit) => `drawbox=${at(firstBitSlot + bit)}:color=white:t=fill:enable='mod(floor(n/pow(2,${bit})),2)'`),
  ].join(",");
}

/** One presented frame, as the page saw it. */
export interface CounterSample {
  /** Date.now() in the requestVideoFrameCallback of the frame. */
  wall: number;
  /** The frame's media time (the video element's timeline). */
  mediaTime: number;
  presentedFrames: number;
  /** The frame number read from the picture, or null when a box was too close to the threshold to read. */
  frame: number | null;
  width: number;
  height: number;
  /** How the page read the picture, and how long that took, ms. */
  via: "planes" | "canvas";
  readMs: number;
}

declare global {
  interface Window {
    counterSamples?: CounterSample[];
  }
}

/**
 * Runs in the page (given to page.addInitScript as source, so it closes over nothing): once a video element exists,
 * reads the counter of every presented frame (requestVideoFrameCallback) into window.counterSamples.
 */
export function sampleCounter(geometry: CounterGeometry): void {
  const { sourceWidth, sourceHeight, stripHeight, boxTop, box, slotLeft, slot, bits, firstBitSlot } = geometry;
  const scale = 4;
  const canvas = document.createElement("canvas");
  canvas.width = sourceWidth / scale;
  canvas.height = Math.ceil(stripHeight / scale);
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  const samples: CounterSample[] = [];
  window.counterSamples = samples;

  /** The frame number from a luma reader over source coordinates (0-255, any range), or null when unsure. */
  const decode = (luma: (sourceX: number, sourceY: number, half: number) => number): number | null => {
    // Mean luma over the middle third of a box.
    const boxLuma = (slotIndex: number) => luma(slotLeft + slotIndex * slot + box / 2, boxTop + box / 2, box / 6);
    const white = boxLuma(0);
    const black = boxLuma(1);
    if (white - black < 64) return null;
    let frame = 0;
    for (let bit = 0; bit < bits; bit++) {
      const level = (boxLuma(firstBitSlot + bit) - black) / (white - black);
      if (level > 0.3 && level < 0.7) return null;
      if (level >= 0.7) frame += 2 ** bit;
    }
    return frame;
  };

  /** Where the 16:9 picture lies in a width x height frame: the ladder letterboxes or pillarboxes it, centred. */
  const placement = (width: number, height: number) => {
    const fit = Math.min(width / sourceWidth, height / sourceHeight);
    return { fit, left: (width - sourceWidth * fit) / 2, top: (height - sourceHeight * fit) / 2 };
  };

  /**
   * The luma plane of the strip, copied out of the decoded frame (WebCodecs): no conversion of the whole picture to
   * RGB, which a canvas costs (about 20 ms a 1080p frame without a GPU). Undefined where the frame is not planar YUV.
   */
  const readPlanes = (video: HTMLVideoElement): Promise<number | null> | undefined => {
    if (typeof VideoFrame === "undefined") return undefined;
    const frame = new VideoFrame(video);
    const format = frame.format;
    const visible = frame.visibleRect;
    if (!format || !visible || !/^(I4|NV12)/.test(format)) {
      frame.close();
      return undefined;
    }
    const { fit, left, top } = placement(visible.width, visible.height);
    const even = (value: number) => Math.floor(value / 2) * 2;
    const y = even(visible.y + top);
    const rect = { x: visible.x, y, width: even(visible.width), height: Math.min(even(visible.y + visible.height - y), even(stripHeight * fit + 4)) };
    const buffer = new Uint8Array(frame.allocationSize({ rect }));
    return frame
      .copyTo(buffer, { rect })
      .then((layout) => {
        const { offset, stride } = layout[0]!;
        return decode((sourceX, sourceY, half) => {
          const centreX = Math.round(visible.x + left + sourceX * fit - rect.x);
          const centreY = Math.round(visible.y + top + sourceY * fit - rect.y);
          const reach = Math.max(1, Math.floor(half * fit));
          let sum = 0;
          let count = 0;
          for (let row = centreY - reach; row <= centreY + reach; row++)
            for (let column = centreX - reach; column <= centreX + reach; column++) {
              sum += buffer[offset + row * stride + column]!;
              count++;
            }
          return sum / count;
        });
      })
      .finally(() => frame.close());
  };

  /** The same through a canvas, for frames WebCodecs gives as something else than planar YUV. */
  const readCanvas = (video: HTMLVideoElement): number | null => {
    const { fit, left, top } = placement(video.videoWidth, video.videoHeight);
    context.drawImage(video, left, top, sourceWidth * fit, stripHeight * fit, 0, 0, canvas.width, canvas.height);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    return decode((sourceX, sourceY, half) => {
      const centreX = Math.round(sourceX / scale);
      const centreY = Math.round(sourceY / scale);
      const reach = Math.max(1, Math.floor(half / scale));
      let sum = 0;
      let count = 0;
      for (let row = centreY - reach; row <= centreY + reach; row++)
        for (let column = centreX - reach; column <= centreX + reach; column++) {
          const offset = (row * canvas.width + column) * 4;
          sum += 0.299 * pixels[offset]! + 0.587 * pixels[offset + 1]! + 0.114 * pixels[offset + 2]!;
          count++;
        }
      return sum / count;
    });
  };

  const watch = (video: HTMLVideoElement) => {
    const onFrame = (_now: number, metadata: VideoFrameCallbackMetadata) => {
      const wall = Date.now();
      if (video.videoWidth > 0) {
        const started = performance.now();
        const sample = { wall, mediaTime: metadata.mediaTime, presentedFrames: metadata.presentedFrames, width: video.videoWidth, height: video.videoHeight };
        const planes = readPlanes(video);
        if (planes) void planes.then((frame) => samples.push({ ...sample, frame, via: "planes", readMs: performance.now() - started }));
        else samples.push({ ...sample, frame: readCanvas(video), via: "canvas", readMs: performance.now() - started });
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  };

  const find = () => {
    const video = document.querySelector("video");
    if (video) watch(video);
    else requestAnimationFrame(find);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", find);
  else find();
}
