/** The square a profile picture is cut from, in the picture's own pixels (what the server's crop takes). */
export interface SquareCrop {
  x: number;
  y: number;
  /** the side: width and height alike */
  size: number;
}

/** The smallest square offered (a smaller picture's shorter side), so the crop never shrinks to nothing. */
export const MIN_CROP_SIDE = 64;

/** The largest square in the middle of a `width`×`height` picture: where a crop starts. */
export function centredSquare(width: number, height: number): SquareCrop {
  const size = Math.min(width, height);
  return { x: Math.floor((width - size) / 2), y: Math.floor((height - size) / 2), size };
}

/**
 * `crop` made to fit: whole pixels, a side between the minimum and the picture's shorter side, and
 * inside the picture (moved back in rather than shrunk when it would stick out).
 */
export function fitSquare(crop: SquareCrop, width: number, height: number): SquareCrop {
  const largest = Math.min(width, height);
  const size = Math.round(Math.min(largest, Math.max(Math.min(MIN_CROP_SIDE, largest), crop.size)));
  const x = Math.round(Math.min(width - size, Math.max(0, crop.x)));
  const y = Math.round(Math.min(height - size, Math.max(0, crop.y)));
  return { x, y, size };
}

/** Resizes about the square's centre (what a size slider feels like), then fits it into the picture. */
export function resizeSquare(crop: SquareCrop, size: number, width: number, height: number): SquareCrop {
  const centreX = crop.x + crop.size / 2;
  const centreY = crop.y + crop.size / 2;
  return fitSquare({ x: centreX - size / 2, y: centreY - size / 2, size }, width, height);
}
