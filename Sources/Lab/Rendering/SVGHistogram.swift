import Foundation
import Probability

/// The same figure as `TerminalHistogram`, as a standalone SVG for slides: bars of
/// the counts and the expected count per bin-width of the reference density
/// drawn as a smooth curve over them, one panel per dimension stacked
/// vertically. Pure: data in, text out.
public enum SVGHistogram {
  public struct Panel {
    public var histogram: Histogram
    public var density: NormalDistribution
    public var title: String

    public init(histogram: Histogram, density: NormalDistribution, title: String) {
      self.histogram = histogram
      self.density = density
      self.title = title
    }
  }

  public static func render(_ panels: [Panel]) -> String {
    let totalHeight = Int(height) * panels.count
    var svg = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(totalHeight)\" viewBox=\"0 0 \(Int(width)) \(totalHeight)\" font-family=\"sans-serif\" font-size=\"12\">",
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
    ]
    for (index, panel) in panels.enumerated() {
      svg.append("<g transform=\"translate(0,\(Int(height) * index))\">")
      svg += self.panel(panel.histogram, density: panel.density, title: panel.title)
      svg.append("</g>")
    }
    svg.append("</svg>")
    return svg.joined(separator: "\n") + "\n"
  }

  static let width = 640.0
  static let height = 400.0
  static let margin = (left: 60.0, right: 20.0, top: 40.0, bottom: 50.0)

  static func panel(_ histogram: Histogram, density: NormalDistribution, title: String) -> [String] {
    let total = Double(histogram.total)
    let scale = total * histogram.binWidth
    let curvePoints = 200
    let curve = (0...curvePoints).map { index -> (Double, Double) in
      let x = histogram.lower + (histogram.upper - histogram.lower) * Double(index) / Double(curvePoints)
      return (x, scale * density.density(x))
    }
    let top = max(Double(histogram.counts.max() ?? 0), curve.map(\.1).max() ?? 0, 1) * 1.05
    let plotWidth = width - margin.left - margin.right
    let plotHeight = height - margin.top - margin.bottom
    func px(_ x: Double) -> Double {
      margin.left + (x - histogram.lower) / (histogram.upper - histogram.lower) * plotWidth
    }
    func py(_ y: Double) -> Double { margin.top + plotHeight * (1 - y / top) }
    func f(_ value: Double) -> String { NumberFormat.fixed(value, 2) }

    var svg: [String] = []
    svg.append("<text x=\"\(f(width / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">\(escaped(title))</text>")
    for bin in 0..<histogram.binCount {
      let (lower, upper) = histogram.edges(of: bin)
      let y = py(Double(histogram.counts[bin]))
      svg.append(
        "<rect x=\"\(f(px(lower)))\" y=\"\(f(y))\" width=\"\(f(px(upper) - px(lower)))\" height=\"\(f(margin.top + plotHeight - y))\" fill=\"#9ecae1\" stroke=\"#3182bd\" stroke-width=\"0.5\"/>"
      )
    }
    let path = curve.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
    svg.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"#de2d26\" stroke-width=\"2\"/>")
    let axisY = margin.top + plotHeight
    svg.append(
      "<line x1=\"\(f(margin.left))\" y1=\"\(f(axisY))\" x2=\"\(f(width - margin.right))\" y2=\"\(f(axisY))\" stroke=\"black\"/>"
    )
    svg.append(
      "<line x1=\"\(f(margin.left))\" y1=\"\(f(margin.top))\" x2=\"\(f(margin.left))\" y2=\"\(f(axisY))\" stroke=\"black\"/>"
    )
    for tick in 0...8 {
      let x = histogram.lower + (histogram.upper - histogram.lower) * Double(tick) / 8
      svg.append(
        "<text x=\"\(f(px(x)))\" y=\"\(f(axisY + 18))\" text-anchor=\"middle\">\(NumberFormat.fixed(x, 2))</text>")
    }
    let step = niceStep(top / 4)
    for y in stride(from: 0.0, through: top, by: step) {
      svg.append(
        "<text x=\"\(f(margin.left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(NumberFormat.fixed(y, 0))</text>"
      )
    }
    svg.append("<text x=\"\(f(width / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">z</text>")
    svg.append(
      "<text x=\"16\" y=\"\(f(margin.top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f(margin.top + plotHeight / 2)))\">count</text>"
    )
    svg.append(
      "<text x=\"\(f(width - margin.right))\" y=\"\(f(margin.top + 12))\" text-anchor=\"end\" fill=\"#de2d26\">expected count under the density</text>"
    )
    return svg
  }

  /// The 1, 2 or 5 times a power of ten nearest above `rough`, so axis ticks fall on round numbers.
  static func niceStep(_ rough: Double) -> Double {
    guard rough > 0, rough.isFinite else { return 1 }
    let magnitude = pow(10, floor(log10(rough)))
    let mantissa = rough / magnitude
    return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * magnitude
  }

  static func escaped(_ text: String) -> String {
    text.replacingAll("&", with: "&amp;").replacingAll("<", with: "&lt;").replacingAll(">", with: "&gt;")
  }
}

extension String {
  func replacingAll(_ target: Character, with replacement: String) -> String {
    reduce(into: "") { result, character in
      if character == target { result += replacement } else { result.append(character) }
    }
  }
}
