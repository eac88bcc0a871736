// The charts `ccbench plot` draws, by name: one list for the command line, its help and the renderer.
// Kept apart from the renderer so the command line can name them without loading Vega.
export const CHARTS = {
  busbw: 'busbw vs message size (log₂ x), one line per file / op / rank count / backend',
  time: 'time per op vs message size (log–log)',
  scaling: 'busbw vs rank count at chosen sizes (--at), one line per op and size',
  overlay: 'two or more files on one busbw chart: a colour per configuration, a dash per file',
  heatmap: 'busbw of every op × size, each op at its largest rank count',
} as const;

export type ChartName = keyof typeof CHARTS;
