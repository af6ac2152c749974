/*
 * Every chip colour reads at 4.5:1 or better on the backgrounds of
 * Backstage's light and dark themes (the hard-coded colours reached only
 * 1.07-3.26:1 on the dark theme's cards).
 */
import { themes } from '@backstage/theme';
import { Theme, getContrastRatio } from '@material-ui/core/styles';
import { MIN_CONTRAST, classificationColor, toneColor } from './palette';

const palettes = {
  light: (themes.light.getTheme('v4') as Theme).palette,
  dark: (themes.dark.getTheme('v4') as Theme).palette,
};

describe.each(Object.entries(palettes))('in the %s theme', (_name, palette) => {
  const backgrounds = [palette.background.paper, palette.background.default];

  it.each(['public', 'internal', 'confidential', 'restricted', 'unknown'])(
    'the %s classification chip reads at 4.5:1',
    level => {
      const color = classificationColor(level, palette);
      for (const bg of backgrounds) {
        expect(getContrastRatio(color, bg)).toBeGreaterThanOrEqual(
          MIN_CONTRAST,
        );
      }
    },
  );

  it.each(['success', 'info', 'warning', 'error', 'secondary'] as const)(
    'the %s tone reads at 4.5:1',
    tone => {
      for (const bg of backgrounds) {
        expect(
          getContrastRatio(toneColor(tone, palette), bg),
        ).toBeGreaterThanOrEqual(MIN_CONTRAST);
      }
    },
  );

  it('keeps the levels apart', () => {
    const colors = ['public', 'internal', 'confidential', 'restricted'].map(
      level => classificationColor(level, palette),
    );
    expect(new Set(colors).size).toBe(4);
  });
});
