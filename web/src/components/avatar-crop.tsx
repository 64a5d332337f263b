import { useId, useRef, useState, type CSSProperties, type PointerEvent } from "react";
import {
  centredSquare,
  fitSquare,
  MIN_CROP_SIDE,
  resizeSquare,
  type SquareCrop,
} from "./avatar-crop-geometry.ts";

/** Where a drag started: the pointer (in screen pixels) and the square then. */
interface DragStart {
  pointerX: number;
  pointerY: number;
  crop: SquareCrop;
}

/**
 * A square crop over a picture: the square is dragged with the mouse, a finger or a pen, or placed with
 * the three sliders (size, left, top; the keyboard's way), all in the picture's own pixels. The picture's
 * size is read from the image once it loads; until then `value` is undefined and the sliders wait.
 */
export function AvatarCrop({
  src,
  alt,
  value,
  onChange,
}: {
  src: string;
  alt: string;
  value: SquareCrop | undefined;
  onChange: (crop: SquareCrop) => void;
}) {
  const id = useId();
  const stage = useRef<HTMLDivElement>(null);
  const [picture, setPicture] = useState<{ width: number; height: number } | undefined>(undefined);
  const [drag, setDrag] = useState<DragStart | undefined>(undefined);
  const crop = picture && value ? fitSquare(value, picture.width, picture.height) : undefined;

  const startDrag = (event: PointerEvent<HTMLDivElement>) => {
    if (!crop) return;
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    setDrag({ pointerX: event.clientX, pointerY: event.clientY, crop });
  };

  const moveDrag = (event: PointerEvent<HTMLDivElement>) => {
    const box = stage.current?.getBoundingClientRect();
    if (!drag || !picture || !box || box.width === 0) return;
    // Screen pixels to the picture's: the picture is shown scaled to the stage's width.
    const scale = picture.width / box.width;
    onChange(
      fitSquare(
        {
          x: drag.crop.x + (event.clientX - drag.pointerX) * scale,
          y: drag.crop.y + (event.clientY - drag.pointerY) * scale,
          size: drag.crop.size,
        },
        picture.width,
        picture.height,
      ),
    );
  };

  const percent = (part: number, whole: number) => `${(part / whole) * 100}%`;

  return (
    <div className="avatar-crop">
      <div ref={stage} className="avatar-crop-stage">
        <img
          src={src}
          alt={alt}
          draggable={false}
          onLoad={(event) => {
            const { naturalWidth: width, naturalHeight: height } = event.currentTarget;
            setPicture({ width, height });
            if (!value) onChange(centredSquare(width, height));
          }}
        />
        {crop && picture && (
          <div
            className="avatar-crop-square"
            data-dragging={drag !== undefined}
            aria-hidden="true"
            style={{
              left: percent(crop.x, picture.width),
              top: percent(crop.y, picture.height),
              width: percent(crop.size, picture.width),
              height: percent(crop.size, picture.height),
            }}
            onPointerDown={startDrag}
            onPointerMove={moveDrag}
            onPointerUp={() => setDrag(undefined)}
            onPointerCancel={() => setDrag(undefined)}
          />
        )}
      </div>
      {crop && picture ? (
        <div className="avatar-crop-controls">
          <div className="avatar-crop-result">
            <div
              className="avatar-crop-preview"
              role="img"
              aria-label="How the profile picture will look"
              style={previewStyle(src, crop, picture)}
            />
            <p className="field-hint">Drag the square, or place it with the sliders.</p>
          </div>
          <CropSlider
            id={`${id}-size`}
            label="Crop size"
            min={Math.min(MIN_CROP_SIDE, picture.width, picture.height)}
            max={Math.min(picture.width, picture.height)}
            value={crop.size}
            onChange={(size) => onChange(resizeSquare(crop, size, picture.width, picture.height))}
          />
          <CropSlider
            id={`${id}-x`}
            label="Crop left edge"
            min={0}
            max={picture.width - crop.size}
            value={crop.x}
            onChange={(x) => onChange(fitSquare({ ...crop, x }, picture.width, picture.height))}
          />
          <CropSlider
            id={`${id}-y`}
            label="Crop top edge"
            min={0}
            max={picture.height - crop.size}
            value={crop.y}
            onChange={(y) => onChange(fitSquare({ ...crop, y }, picture.width, picture.height))}
          />
        </div>
      ) : (
        <p className="field-hint">Loading the picture…</p>
      )}
    </div>
  );
}

/**
 * The square alone, drawn as a background scaled so the square fills the box: what the server will cut
 * (no canvas needed, and the picture is already loaded).
 */
function previewStyle(
  src: string,
  crop: SquareCrop,
  picture: { width: number; height: number },
): CSSProperties {
  // A background position in percent places that fraction of the spare room before the box.
  const position = (offset: number, whole: number) =>
    whole === crop.size ? "0%" : `${(offset / (whole - crop.size)) * 100}%`;
  return {
    backgroundImage: `url("${src}")`,
    backgroundSize: `${(picture.width / crop.size) * 100}% ${(picture.height / crop.size) * 100}%`,
    backgroundPosition: `${position(crop.x, picture.width)} ${position(crop.y, picture.height)}`,
  };
}

function CropSlider({
  id,
  label,
  min,
  max,
  value,
  onChange,
}: {
  id: string;
  label: string;
  min: number;
  max: number;
  value: number;
  onChange: (value: number) => void;
}) {
  return (
    <div className="avatar-crop-slider">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={1}
        value={value}
        // A square as large as the picture cannot move: nothing to slide.
        disabled={max <= min}
        aria-valuetext={`${value} pixels`}
        onChange={(event) => onChange(Number(event.target.value))}
      />
      <output htmlFor={id}>{value} px</output>
    </div>
  );
}
