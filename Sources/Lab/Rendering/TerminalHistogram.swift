import Probability

/// A histogram as horizontal bars of Unicode blocks (1/8-cell resolution), one
/// row per bin, with the expected count under a reference density marked `•`
/// on each row, so the density is drawn over the bars. Pure: data in, text out.
public enum TerminalHistogram {
  /// Width of the longest bar, in character cells, unless the window is narrower.
  static let barWidth = 40
  static let partialBlocks: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

  /// - Parameters:
  ///   - expected: the expected count of each bin, e.g. n * P(bin) under the density.
  ///   - edge: how a bin edge is printed.
  ///   - width: the columns to fit into, if any: the bars shrink (to 10 cells at least).
  public static func render(
    _ histogram: Histogram, expected: [Double], edge: (Double) -> String, width: Int? = nil
  ) -> String {
    let largest = max(Double(histogram.counts.max() ?? 0), expected.max() ?? 0, 1)
    let rows = (0..<histogram.binCount).map { bin -> (range: String, count: Int, expected: Double) in
      let (lower, upper) = histogram.edges(of: bin)
      return ("[\(edge(lower)), \(edge(upper)))", histogram.counts[bin], bin < expected.count ? expected[bin] : 0)
    }
    // A figure: every bin is shown (bins= allows at most 200).
    var table = TextTable(
      [("bin", .left), ("count", .right), ("expected", .right), ("", .left)], abridged: false)
    let labels = [
      (rows.map(\.range.count) + [3]).max() ?? 0, (rows.map { "\($0.count)".count } + [5]).max() ?? 0,
      (rows.map { NumberFormat.fixed($0.expected, 1).count } + [8]).max() ?? 0,
    ]
    let bars = width.map { max(10, min(barWidth, $0 - labels.reduce(6, +))) } ?? barWidth
    for row in rows {
      table.append([
        row.range, "\(row.count)", NumberFormat.fixed(row.expected, 1),
        bar(count: Double(row.count), expected: row.expected, largest: largest, width: bars),
      ])
    }
    return table.rendered
  }

  /// The bar of one row: full blocks, one partial block, and the `•` marker at the
  /// cell where the expected count falls (over the bar or beyond it).
  static func bar(count: Double, expected: Double, largest: Double, width: Int = barWidth) -> String {
    let eighths = Int((count / largest * Double(width * 8)).rounded())
    var cells = [Character](repeating: "█", count: eighths / 8)
    if eighths % 8 > 0 { cells.append(partialBlocks[eighths % 8 - 1]) }
    let marker = min(width - 1, Int(expected / largest * Double(width)))
    while cells.count <= marker { cells.append(" ") }
    cells[marker] = "•"
    return String(cells)
  }
}
