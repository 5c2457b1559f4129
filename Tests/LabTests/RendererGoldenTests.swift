import Foundation
import Probability
import Testing

@testable import Lab

/// Renderers are pure functions; their output is compared with golden files in
/// `Golden/`. Set VAELAB_UPDATE_GOLDEN=1 to rewrite them after a deliberate change,
/// and review the diff.
struct RendererGoldenTests {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

  func assertGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = Self.directory.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["VAELAB_UPDATE_GOLDEN"] == "1" {
      try text.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    let golden = try String(contentsOf: url, encoding: .utf8)
    #expect(text == golden, "differs from Golden/\(name)", sourceLocation: sourceLocation)
  }

  /// A fixed histogram, independent of the sampler.
  static var histogram: Histogram {
    var histogram = Histogram(lower: -2, upper: 2, binCount: 8)
    for (value, count) in [
      (-1.9, 1), (-1.2, 4), (-0.8, 10), (-0.3, 19), (0.2, 21), (0.7, 14), (1.2, 6), (1.7, 2), (2.5, 1),
    ] {
      for _ in 0..<count { histogram.add(value) }
    }
    return histogram
  }

  @Test func terminalHistogram() throws {
    let histogram = Self.histogram
    let expected = histogram.expectedCounts(under: NormalDistribution(mean: 0, standardDeviation: 0.8))
    try assertGolden(
      TerminalHistogram.render(histogram, expected: expected, edge: { NumberFormat.fixed($0, 2) }) + "\n",
      "histogram.txt")
  }

  @Test func barsUseEighthBlocksAndTheMarker() {
    #expect(
      TerminalHistogram.bar(count: 10, expected: 5, largest: 10) == String(repeating: "█", count: 20) + "•"
        + String(repeating: "█", count: 19))
    // Half a cell is four eighths; one eighth of a cell is the thinnest block.
    #expect(TerminalHistogram.bar(count: 0.5 / 40, expected: 1, largest: 1).hasPrefix("▌ "))
    #expect(TerminalHistogram.bar(count: 1.0 / 320, expected: 1, largest: 1).hasPrefix("▏ "))
    #expect(TerminalHistogram.bar(count: 0, expected: 0, largest: 1) == "•")
  }

  @Test func svgHistogram() throws {
    let panel = SVGHistogram.Panel(
      histogram: Self.histogram, density: NormalDistribution(mean: 0, standardDeviation: 0.8), title: "z <test> & more")
    try assertGolden(SVGHistogram.render([panel]), "histogram.svg")
  }

  @Test(arguments: [(0.7, 1.0), (3.0, 5.0), (7981.0, 10000.0), (12.0, 20.0), (0.013, 0.02), (1.0, 1.0)])
  func axisStepsAreRound(rough: Double, step: Double) {
    #expect(abs(SVGHistogram.niceStep(rough) - step) < 1e-12 * step)
  }

  @Test func kLVectorTable() throws {
    var engine = Engine()
    try assertGolden(
      engine.execute("kl [0, 2, -1] [1, 0.5, 2] mu2=[0, 1, 0] order=both").output + "\n", "kl-vector.txt")
  }

  @Test func sampleReport() throws {
    var engine = Engine()
    try assertGolden(
      engine.execute("sample [0, 3] [1, 0.5] n=2000 seed=7 show=3 bins=8").output + "\n", "sample-vector.txt")
  }
}

struct LinePlotGoldenTests {
  static let plot = LinePlot(
    series: [
      LinePlot.Series(name: "pathwise", marker: "P", points: [(1, 4), (10, 4), (100, 4)], isCurve: true),
      LinePlot.Series(name: "score", marker: "S", points: [(1, 30), (10, 552), (100, 41412)], isCurve: true),
      LinePlot.Series(
        name: "score (sampled)", marker: "s", points: [(1, 29), (10, 560), (100, 40000)], isCurve: false),
    ], xLabel: "dim", yLabel: "variance per draw", logX: true, logY: true)

  @Test func terminal() throws {
    try RendererGoldenTests().assertGolden(Self.plot.terminal(width: 40, height: 10) + "\n", "lineplot.txt")
  }

  @Test func svg() throws {
    try RendererGoldenTests().assertGolden(Self.plot.svg(title: "score & pathwise"), "lineplot.svg")
  }

  @Test func nothingToPlot() {
    let empty = LinePlot(series: [], xLabel: "x", yLabel: "y", logX: false, logY: true)
    #expect(empty.terminal() == "(nothing to plot: no finite positive values)")
  }
}
