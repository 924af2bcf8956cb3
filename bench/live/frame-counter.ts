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
  /** How long reading the number took in the page, ms. */
  readMs: number;
}

declare global {
  interface Window {
    counterSamples?: CounterSample[];
  }
}

/**
 * Runs in the page (passed to page.addInitScript, so it closes over nothing): once #video exists, reads the counter of
 * every presented frame with requestVideoFrameCallback into window.counterSamples.
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

  const read = (video: HTMLVideoElement): number | null => {
    const { videoWidth: width, videoHeight: height } = video;
    // The ladder letterboxes or pillarboxes 16:9 into each rendition's size, centred.
    const fit = Math.min(width / sourceWidth, height / sourceHeight);
    const pictureWidth = sourceWidth * fit;
    const pictureHeight = sourceHeight * fit;
    const left = (width - pictureWidth) / 2;
    const top = (height - pictureHeight) / 2;
    context.drawImage(video, left, top, pictureWidth, stripHeight * fit, 0, 0, canvas.width, canvas.height);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    // Mean luma over the middle third of a box.
    const luma = (slotIndex: number) => {
      const centreX = (slotLeft + slotIndex * slot + box / 2) / scale;
      const centreY = (boxTop + box / 2) / scale;
      const half = Math.max(1, Math.floor(box / scale / 6));
      let sum = 0;
      let count = 0;
      for (let y = Math.round(centreY) - half; y <= Math.round(centreY) + half; y++)
        for (let x = Math.round(centreX) - half; x <= Math.round(centreX) + half; x++) {
          const offset = (y * canvas.width + x) * 4;
          sum += 0.299 * pixels[offset]! + 0.587 * pixels[offset + 1]! + 0.114 * pixels[offset + 2]!;
          count++;
        }
      return sum / count;
    };
    const white = luma(0);
    const black = luma(1);
    if (white - black < 96) return null;
    let frame = 0;
    for (let bit = 0; bit < bits; bit++) {
      const level = (luma(firstBitSlot + bit) - black) / (white - black);
      if (level > 0.3 && level < 0.7) return null;
      if (level >= 0.7) frame += 2 ** bit;
    }
    return frame;
  };

  const watch = (video: HTMLVideoElement) => {
    const onFrame = (_now: number, metadata: VideoFrameCallbackMetadata) => {
      const wall = Date.now();
      if (video.videoWidth > 0) {
        const started = performance.now();
        const frame = read(video);
        const readMs = performance.now() - started;
        samples.push({ wall, mediaTime: metadata.mediaTime, presentedFrames: metadata.presentedFrames, frame, width: video.videoWidth, height: video.videoHeight, readMs });
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
