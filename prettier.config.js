// Prettier: the house style as the code already writes it (single quotes, semicolons, trailing commas), at the
// 120 columns the README and the comments are wrapped to. What it leaves alone is in .prettierignore.
export default {
  printWidth: 120,
  singleQuote: true,
  trailingComma: 'all',
  arrowParens: 'always',
  endOfLine: 'lf',
};
