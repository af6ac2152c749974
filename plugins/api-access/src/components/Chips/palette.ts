/*
 * Chip colours from the app's theme palette, darkened (light themes) or
 * lightened (dark themes) just enough to read at 4.5:1 (WCAG AA) on the
 * theme's backgrounds: the palette's own tones fall short for text (orange
 * on white, deep red on dark grey).
 */
import {
  Theme,
  darken,
  getContrastRatio,
  lighten,
} from '@material-ui/core/styles';

type Palette = Theme['palette'];

export const MIN_CONTRAST = 4.5;

/** `color`, moved away from the backgrounds until it reads on all of them. */
export function readableColor(color: string, palette: Palette): string {
  const backgrounds = [palette.background.paper, palette.background.default];
  const reads = (c: string) =>
    backgrounds.every(bg => getContrastRatio(c, bg) >= MIN_CONTRAST);
  const shift = palette.type === 'dark' ? lighten : darken;
  for (let step = 0; step <= 20; step++) {
    const candidate = step === 0 ? color : shift(color, step * 0.05);
    if (reads(candidate)) return candidate;
  }
  return palette.text.primary;
}

type Tone = 'success' | 'info' | 'warning' | 'error' | 'secondary';

const CLASSIFICATION_TONES: Record<string, Tone> = {
  public: 'success',
  internal: 'info',
  confidential: 'warning',
  restricted: 'error',
};

/** The colour of a classification level; an unknown level gets the secondary tone. */
export function classificationColor(level: string, palette: Palette): string {
  return readableColor(
    palette[CLASSIFICATION_TONES[level] ?? 'secondary'].main,
    palette,
  );
}

/** A severity's colour as text, e.g. a risk level or a finding's icon. */
export function toneColor(tone: Tone, palette: Palette): string {
  return readableColor(palette[tone].main, palette);
}
