// Tailwind CSS v3 configuration for TechLearnJess ("Apprendre ici, réussir partout.").
// Build: npm run build:css  ->  static/app.css (committed; rebuild after template changes).
/** @type {import('tailwindcss').Config} */
module.exports = {
  // Dark mode follows the `dark` class that static/js/theme.js puts on <html>.
  darkMode: 'class',
  // Class names may appear in templates, in our JS and in Rust code (e.g. flash kinds).
  content: [
    './views/**/*.html',
    './partials/**/*.html',
    './static/js/**/*.js',
    './src/**/*.rs',
  ],
  // Component classes that templates may build dynamically (e.g. "flash-{{ kind }}").
  safelist: ['flash', 'flash-success', 'flash-error', 'flash-info'],
  theme: {
    extend: {
      colors: {
        // Deep blue/indigo: the TechLearnJess brand colour.
        brand: {
          50: '#eef3ff',
          100: '#dde6fe',
          200: '#c2d1fd',
          300: '#9cb3fa',
          400: '#6f89f5',
          500: '#4c63ee',
          600: '#3544e2',
          700: '#2b35c8',
          800: '#262fa2',
          900: '#252d80',
          950: '#171a4b',
        },
        // Warm orange: calls to action and highlights.
        accent: {
          50: '#fff7ed',
          100: '#ffecd4',
          200: '#fed5a8',
          300: '#fdb771',
          400: '#fb8f38',
          500: '#f97112',
          600: '#ea5708',
          700: '#c24009',
          800: '#9a3310',
          900: '#7c2c10',
          950: '#431306',
        },
      },
      fontFamily: {
        // System fonts only: no web-font download on 2G.
        sans: [
          'system-ui',
          '-apple-system',
          '"Segoe UI"',
          'Roboto',
          '"Noto Sans"',
          '"Helvetica Neue"',
          'Arial',
          'sans-serif',
          '"Apple Color Emoji"',
          '"Segoe UI Emoji"',
          '"Noto Color Emoji"',
        ],
        mono: ['ui-monospace', '"SFMono-Regular"', 'Menlo', 'Consolas', '"Liberation Mono"', 'monospace'],
      },
    },
  },
  plugins: [],
};
