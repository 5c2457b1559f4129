import Probability

/// A histogram as horizontal bars of Unicode blocks (1/8-cell resolution), one
/// row per bin, with the expected count under a reference density marked `•`
/// on each row, so the density is drawn over the bars. Pure: data in, text out.
public enum TerminalHistogram {
  /// Width of the longest bar, in character cells.
  static let barWidth = 40
  static let partialBlocks: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

  /// - Parameters:
  ///   - expected: the expected count of each bin, e.g. n * P(bin) under the density.
  ///   - precision: decimals of the bin edges and expected counts.
  public static func render(_ histogram: Histogram, expected: [Double], precision: Int) -> String {
    let largest = max(Double(histogram.counts.max() ?? 0), expected.max() ?? 0, 1)
    var table = TextTable([("bin", .left), ("count", .right), ("expected", .right), ("", .left)])
    for bin in 0..<histogram.binCount {
      let (lower, upper) = histogram.edges(of: bin)
      let range = "[\(NumberFormat.fixed(lower, precision)), \(NumberFormat.fixed(upper, precision)))"
      let count = histogram.counts[bin]
      let expectedCount = bin < expected.count ? expected[bin] : 0
      table.append([
        range, "\(count)", NumberFormat.fixed(expectedCount, 1),
        bar(count: Double(count), expected: expectedCount, largest: largest),
      ])
    }
    return table.rendered
  }

  /// The bar of one row: full blocks, one partial block, and the `•` marker at the
  /// cell where the expected count falls (over the bar or beyond it).
  static func bar(count: Double, expected: Double, largest: Double) -> String {
    let eighths = Int((count / largest * Double(barWidth * 8)).rounded())
    var cells = [Character](repeating: "█", count: eighths / 8)
    if eighths % 8 > 0 { cells.append(partialBlocks[eighths % 8 - 1]) }
    let marker = min(barWidth - 1, Int(expected / largest * Double(barWidth)))
    while cells.count <= marker { cells.append(" ") }
    cells[marker] = "•"
    return String(cells)
  }
}
