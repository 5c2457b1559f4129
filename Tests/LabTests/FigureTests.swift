import Foundation
import Testing

@testable import Lab

/// Figures say what they leave out, never ignore svg=, and lay images out in a grid.
struct FigureTests {
  /// svg= on points in the plane writes a scatter; on other data that are not
  /// images it is refused, never ignored.
  @Test func pointsInThePlaneGetAScatter() throws {
    let directory = try TemporaryDirectory()
    var engine = Engine()
    _ = engine.execute("vae new pinwheel latent=2 hidden=16 seed=1")
    let recon = engine.execute("vae recon [0, 1, 2] svg=\(directory.path)/r.svg")
    #expect(recon.error == nil)
    #expect(recon.output.hasSuffix("wrote \(directory.path)/r.svg"))
    let svg = try String(contentsOfFile: directory.path + "/r.svg", encoding: .utf8)
    // Three inputs, three reconstructions, and one legend swatch for each, over the held-out data in grey.
    let circles = svg.split(separator: "\n").filter { $0.hasPrefix("<circle ") }
    #expect(circles.filter { $0.contains("stroke=") }.count == 8)
    #expect(circles.filter { $0.contains("fill=\"#cccccc\"") }.count > 100)
    #expect(svg.contains(">held-out input</text>") && svg.contains(">reconstruction</text>"))
    let sample = engine.execute("vae sample 4 seed=1 svg=\(directory.path)/s.svg")
    #expect(sample.error == nil)
    #expect(FileManager.default.fileExists(atPath: directory.path + "/s.svg"))
  }

  @Test func dataThatAreNeitherImagesNorPointsRefuseSVG() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/three.csv"
    try (["a,b,c"] + (0..<30).map { "\($0),\($0 * 2),\($0 % 5)" }).joined(separator: "\n")
      .write(toFile: path, atomically: true, encoding: .utf8)
    var engine = Engine()
    _ = engine.execute("vae new \(path) latent=2 hidden=8 seed=1")
    #expect(
      engine.execute("vae sample 2 svg=\(directory.path)/x.svg").error
        == "svg= draws images or points in the plane, and \(path) has 3 values per example; leave svg= out")
    #expect(!FileManager.default.fileExists(atPath: directory.path + "/x.svg"))
  }

  /// Nine images in rows of eight: two rows, each image framed and captioned.
  /// Lines of figures lose their trailing spaces and nothing else: block
  /// characters, a combining mark on a space, and lines of spaces only.
  @Test(arguments: [
    ("ab\u{2588}\u{2591}  ", "ab\u{2588}\u{2591}"), ("   ", ""), ("", ""), ("x \u{301}  ", "x \u{301}"),
    (" \u{1F600} ", " \u{1F600}"), ("no spaces", "no spaces"),
  ])
  func trailingBlanksAreRemoved(line: String, trimmed: String) {
    #expect(line.trailingBlanksRemoved == trimmed)
  }

  @Test func imagesAreLaidOutInAGrid() {
    let items = (0..<9).map { ("z\($0)", [Float](repeating: 0.5, count: 4)) }
    let svg = SVGImages.render(items, width: 2, height: 2, pixel: 8, columns: 8, title: "t")
    let size = 2 * 8
    // 8 columns of (16 + 16) plus a margin; a title, two rows of (16 + 20 + 16), a margin.
    #expect(svg.contains("width=\"\(8 * (size + 16) + 16)\" height=\"\(28 + 2 * (size + 20 + 16) + 16)\""))
    #expect(svg.components(separatedBy: "stroke=\"#999\"").count - 1 == 9)
    #expect(svg.contains("<text x=\"16\" y=\"\(28 + 16 + size + 20 + 16 + 12)\">z8</text>"))
  }

  /// Curves are told apart by their letters all along; the SVG legend has a
  /// swatch per series, and sampled points are filled circles of a lighter tint.
  @Test func sweepLegendsHaveSwatches() {
    var engine = Engine()
    let svgPath = NSTemporaryDirectory() + "vaelab-legend-\(UUID().uuidString).svg"
    defer { try? FileManager.default.removeItem(atPath: svgPath) }
    let output = engine.execute(
      "grad sweep \"(z-k)^2\" 1 1 over=k from=-3 to=3 count=4 sampled=yes n=500 seed=1 svg=\(svgPath)"
    ).output
    #expect(output.contains("PPPPPPPPPP"))
    let svg = (try? String(contentsOfFile: svgPath, encoding: .utf8)) ?? ""
    // A line swatch per curve; a circle swatch per sampled series, in the tint of its curve.
    let swatches = svg.split(separator: "\n").filter { $0.hasPrefix("<line ") && $0.contains("stroke-width=\"2\"") }
    #expect(swatches.count == 4)
    #expect(svg.contains("fill=\"#aec7e8\" stroke=\"#1f77b4\""))
  }

  /// A value that is not known (NaN) breaks a curve rather than being bridged.
  @Test func aMissingValueBreaksTheCurve() {
    let plot = LinePlot(
      series: [LinePlot.Series(name: "p", marker: "P", points: [(0, 1), (1, .nan), (2, 1)], isCurve: true)],
      xLabel: "x", yLabel: "y", logX: false, logY: false)
    let row = plot.terminal(width: 21, height: 3).split(separator: "\n").first { $0.contains("P") } ?? ""
    #expect(row.filter { $0 == "P" }.count == 2, "\(row)")
    #expect(plot.svg(title: "t").components(separatedBy: "<polyline").count - 1 == 2)
  }

  /// Values near the largest double: the axis from -1e308 to 1e308 is
  /// infinitely wide, so such points are said, not drawn (they trapped in the
  /// terminal and hung the SVG's ticks). `vae latent` plots a data file's
  /// numeric labels, which may be any finite double.
  @Test func pointsNearTheLargestDoubleAreSaidNotDrawn() throws {
    for points in [
      [(0, 1e308), (1, -1e308), (0.5, 2.0)], [(0, 1e308), (1, -1e308)], [(-1e308, 0), (1e308, 1), (0, 0.5)],
    ] {
      let plot = LinePlot(
        series: [LinePlot.Series(name: "p", marker: "p", points: points, isCurve: false)], xLabel: "x", yLabel: "y",
        logX: false, logY: false)
      let terminal = plot.terminal(width: 21, height: 5)
      #expect(terminal.contains("2 points beyond ±1e300 not drawn"), "\(terminal)")
      let svg = plot.svg(title: "t")
      #expect(svg.contains("2 points beyond ±1e300 not drawn") && svg.count < 20_000)
    }
    let directory = try TemporaryDirectory()
    let csv = directory.path + "/big.csv"
    let rows = (0..<40).map { i in "\((1e308 + Double(i) * 1e305) * (i < 20 ? 1 : -1)),\(Double(i) / 40)" }
    try (["y,x"] + rows).joined(separator: "\n").write(toFile: csv, atomically: true, encoding: .utf8)
    var engine = Engine()
    #expect(engine.execute("vae new \(csv) label=y latent=1").error == nil)
    let reply = engine.execute("vae latent svg=\(directory.path)/latent.svg")
    #expect(reply.error == nil && reply.output.contains("beyond ±1e300 not drawn"), "\(reply.output)")
  }

  /// A log axis cannot show a zero variance: said, not dropped.
  @Test func zerosOnALogAxisAreSaid() {
    var engine = Engine()
    let output = engine.execute("grad sweep z over=mu from=0 to=1 count=3").output
    #expect(output.contains("P pathwise is zero at every point, which a log axis cannot show"))
  }

  /// sample 0 1e-100: where fixed decimals would print zeros, scientific notation.
  @Test func tinySpreadsPrintInScientificNotation() {
    var engine = Engine()
    let output = engine.execute("sample 0 1e-100 n=3 bins=4 show=1 seed=1").output
    #expect(output.contains("1.000e-100"))
    #expect(output.contains("[-4.000e-100, -2.000e-100)"))
    #expect(!output.contains("0.00000000000"))
  }

  /// At 80 columns the histogram's bars shrink rather than wrap.
  @Test func histogramsFitTheWindow() {
    var engine = Engine()
    engine.presentation = Presentation(colour: false, width: 80)
    let output = engine.execute("sample 1e6 1e-6 n=100 bins=6 show=0 seed=1").output
    #expect(output.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(output)")
  }

  /// sample 1e6 1e-6: enough decimals that the bins' edges and sigma differ.
  @Test func edgesAreToldApart() {
    var engine = Engine()
    let output = engine.execute("sample 1e6 1e-6 bins=4 show=0 seed=1").output
    #expect(output.contains("[999999.99999600, 999999.99999800)"))
    #expect(output.contains("1000000.00000000  "))
    #expect(output.contains("0.00000100"))
  }
}
