import Foundation

/// Curves on linear or logarithmic axes, drawn in the terminal as a grid of
/// characters (each curve drawn all along with its own letter, so curves can be
/// told apart where they cross, without colour) or as SVG. Pure: data in, text out.
public struct LinePlot: Sendable {
  public struct Series: Sendable {
    public var name: String
    /// Upper case for a curve, lower case for scattered points, by convention.
    public var marker: Character
    /// A point with a NaN y is a gap: a curve is not drawn across it.
    public var points: [(x: Double, y: Double)]
    /// Points are joined by a line (exact curves) or stand alone (sampled values).
    public var isCurve: Bool
    /// Context behind the other series (the data under a few reconstructions):
    /// small light grey dots in SVG.
    public var isBackground: Bool

    public init(
      name: String, marker: Character, points: [(x: Double, y: Double)], isCurve: Bool, isBackground: Bool = false
    ) {
      self.name = name
      self.marker = marker
      self.points = points
      self.isCurve = isCurve
      self.isBackground = isBackground
    }
  }

  public var series: [Series]
  public var xLabel: String
  public var yLabel: String
  public var logX: Bool
  public var logY: Bool

  public init(series: [Series], xLabel: String, yLabel: String, logX: Bool, logY: Bool) {
    self.series = series
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.logX = logX
    self.logY = logY
  }

  /// The largest magnitude a linear axis plots. Beyond it an axis's width, its
  /// padding and its tick step overflow a double (from -1e308 to 1e308 is
  /// infinitely wide), so such points are counted in a note, not drawn.
  static let largestMagnitude = 1e300

  /// Points with values: finite, and positive on a log axis.
  func known(_ point: (x: Double, y: Double)) -> Bool {
    point.x.isFinite && point.y.isFinite && (!logX || point.x > 0) && (!logY || point.y > 0)
  }

  /// Points that can be drawn: known, and within `largestMagnitude` on a linear axis.
  func drawable(_ point: (x: Double, y: Double)) -> Bool {
    known(point) && (logX || abs(point.x) <= Self.largestMagnitude) && (logY || abs(point.y) <= Self.largestMagnitude)
  }

  /// What is said of known points too large to draw, if there are any.
  var tooLargeNote: String? {
    let count = series.flatMap(\.points).filter { known($0) && !drawable($0) }.count
    guard count > 0 else { return nil }
    return "\(count) point\(count == 1 ? "" : "s") beyond ±1e300 not drawn"
  }

  /// The plotted ranges, in axis units (log10 on a log axis), padded when flat.
  /// The curves set the vertical range; scattered points widen it by at most
  /// `scatterReach` (two decades on a log axis), so that one sampled value of
  /// pure rounding (1e-32 where the curve is 0) cannot squash every curve flat.
  func ranges() -> (x: ClosedRange<Double>, y: ClosedRange<Double>)? {
    let points = series.flatMap(\.points).filter(drawable)
    guard !points.isEmpty else { return nil }
    func y(_ point: (x: Double, y: Double)) -> Double { logY ? log10(point.y) : point.y }
    let xs = points.map { logX ? log10($0.x) : $0.x }
    let curves = series.filter(\.isCurve).flatMap(\.points).filter(drawable).map(y)
    var ys = curves.isEmpty ? points.map(y) : curves
    if let low = curves.min(), let high = curves.max() {
      let reach = logY ? 2 : 0.5 * max(high - low, abs(high), 1e-9)
      ys += series.filter { !$0.isCurve }.flatMap(\.points).filter(drawable).map(y).filter {
        $0 >= low - reach && $0 <= high + reach
      }
    }
    func padded(_ values: [Double], minimum: Double) -> ClosedRange<Double> {
      let (low, high) = (values.min() ?? 0, values.max() ?? 1)
      guard high - low < minimum else { return low...high }
      // A flat range: a tenth of the value's size either side (1 at 0), so the ticks differ.
      let half = max(minimum, 0.1 * max(abs(low), abs(high))) / 2
      return (low - (half > minimum / 2 ? half : 0.5))...(high + (half > minimum / 2 ? half : 0.5))
    }
    return (padded(xs, minimum: 1e-9), padded(ys, minimum: logY ? 1 : 1e-9))
  }

  /// Drawable points outside the plotted range, by series: said, not drawn.
  public func pointsOutsideRange() -> [(series: Series, points: [(x: Double, y: Double)])] {
    guard let (_, yRange) = ranges() else { return [] }
    return series.compactMap { line in
      let outside = line.points.filter(drawable).filter { !yRange.contains(logY ? log10($0.y) : $0.y) }
      return outside.isEmpty ? nil : (line, outside)
    }
  }

  // MARK: Terminal

  public func terminal(width: Int = 60, height: Int = 15) -> String {
    guard let (xRange, yRange) = ranges() else {
      return "(nothing to plot: \(tooLargeNote ?? "no finite\(logY ? " positive" : "") values"))"
    }
    var grid = [[Character]](repeating: [Character](repeating: " ", count: width), count: height)
    func column(_ x: Double) -> Int {
      let u = ((logX ? log10(x) : x) - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound)
      return min(width - 1, max(0, Int((u * Double(width - 1)).rounded())))
    }
    func row(_ y: Double) -> Int {
      let u = ((logY ? log10(y) : y) - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound)
      return min(height - 1, max(0, height - 1 - Int((u * Double(height - 1)).rounded())))
    }
    for line in series where line.isCurve {
      // A point that cannot be drawn (NaN: a value not known) breaks the curve.
      for (a, b) in zip(line.points, line.points.dropFirst()) where drawable(a) && drawable(b) {
        let (c0, c1) = (column(a.x), column(b.x))
        guard c1 > c0 + 1 else { continue }
        for c in (c0 + 1)..<c1 {
          let t = Double(c - c0) / Double(c1 - c0)
          let y = logY ? Double.exp(Double.log(a.y) + t * (Double.log(b.y) - Double.log(a.y))) : a.y + t * (b.y - a.y)
          let here = grid[row(y)][c]
          grid[row(y)][c] = here == " " || here == line.marker ? line.marker : "*"
        }
      }
    }
    func inRange(_ point: (x: Double, y: Double)) -> Bool {
      drawable(point) && yRange.contains(logY ? log10(point.y) : point.y)
    }
    for line in series {
      for point in line.points where inRange(point) {
        let (r, c) = (row(point.y), column(point.x))
        let here = grid[r][c]
        // A sampled point on its own curve (same letter, other case) shows agreement, not overlap.
        let sameSeries = here.lowercased() == line.marker.lowercased()
        grid[r][c] = here == " " ? line.marker : (sameSeries ? Character(here.uppercased()) : "*")
      }
    }
    // Labels on the rows nearest to round values: decades on a log axis.
    var labels = [String](repeating: "", count: height)
    for (value, label) in ticks(yRange, log: logY) {
      let u = (value - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound)
      let r = height - 1 - Int((u * Double(height - 1)).rounded())
      if (0..<height).contains(r) && labels[r].isEmpty { labels[r] = label }
    }
    let labelWidth = labels.map(\.count).max() ?? 0
    var lines = grid.enumerated().map { r, cells in
      String(repeating: " ", count: labelWidth - labels[r].count) + labels[r] + " ┤" + String(cells)
    }
    lines.append(String(repeating: " ", count: labelWidth) + " └" + String(repeating: "─", count: width))
    let left = axisLabel(xRange.lowerBound, log: logX)
    let middle = axisLabel((xRange.lowerBound + xRange.upperBound) / 2, log: logX)
    let right = axisLabel(xRange.upperBound, log: logX)
    var axis = [Character](repeating: " ", count: width + 2)
    func place(_ text: String, at position: Int) {
      let start = min(max(0, position), axis.count - text.count)
      for (offset, character) in text.enumerated() where start + offset < axis.count {
        axis[start + offset] = character
      }
    }
    place(left, at: 1)
    place(middle, at: 1 + width / 2 - middle.count / 2)
    place(right, at: width + 2 - right.count)
    lines.append(String(repeating: " ", count: labelWidth) + String(axis))
    lines.append(
      String(repeating: " ", count: labelWidth + 2)
        + "\(xLabel)\(logX ? " (log scale)" : ""); \(yLabel)\(logY ? " (log scale)" : "")")
    let curves = series.filter(\.isCurve).map { "\($0.marker) \($0.name)" }
    // Points beside curves are their samples; points alone (a scatter) name their series.
    let scattered =
      curves.isEmpty
      ? series.map { "\($0.marker) \($0.name)" } + ["upper case: several"]
      : series.contains { !$0.isCurve } ? ["lower case: sampled"] : []
    let overlap = series.count > 1 ? ["* overlap"] : []
    // The legend, wrapped to the plot's width.
    let indent = String(repeating: " ", count: labelWidth + 2)
    var legend = ""
    for item in curves + scattered + overlap {
      if !legend.isEmpty && legend.count + 3 + item.count > width {
        lines.append(indent + legend)
        legend = ""
      }
      legend += (legend.isEmpty ? "" : "   ") + item
    }
    if !legend.isEmpty { lines.append(indent + legend) }
    if let tooLargeNote { lines.append(indent + tooLargeNote) }
    return lines.map(\.trailingBlanksRemoved).joined(separator: "\n")
  }

  /// `1e+03` on a log axis (value is log10), else 3 significant digits.
  func axisLabel(_ value: Double, log: Bool) -> String {
    if log { return String(format: "%.0e", pow(10, value)) }
    let value = value + 0  // -0 prints as "-0"
    return abs(value) >= 1e4 || (abs(value) < 1e-2 && value != 0)
      ? String(format: "%.1e", value) : String(format: "%.3g", value)
  }

  // MARK: SVG

  /// Colours and their light tints (the paired "tab20" palette of matplotlib).
  static let palette = [
    ("#1f77b4", "#aec7e8"), ("#d62728", "#ff9896"), ("#2ca02c", "#98df8a"), ("#9467bd", "#c5b0d5"),
    ("#ff7f0e", "#ffbb78"), ("#8c564b", "#c49c94"), ("#e377c2", "#f7b6d2"), ("#7f7f7f", "#c7c7c7"),
    ("#bcbd22", "#dbdb8d"), ("#17becf", "#9edae5"),
  ]

  public func svg(title: String) -> String {
    let (width, height) = (780.0, 440.0)
    let (left, right, top, bottom) = (80.0, 230.0, 40.0, 50.0)
    var out = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
      "<text x=\"\(f((width - right + left) / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">\(SVGHistogram.escaped(title))</text>",
    ]
    let note = tooLargeNote.map {
      "<text x=\"\(f(width - right + 10))\" y=\"\(f(top + 18 * Double(series.count) + 12))\" font-size=\"11\">\($0)</text>"
    }
    guard let (xRange, yRange) = ranges() else {
      return (out + [note, "</svg>"].compactMap { $0 }).joined(separator: "\n") + "\n"
    }
    let (plotWidth, plotHeight) = (width - left - right, height - top - bottom)
    func px(_ x: Double) -> Double {
      left + ((logX ? log10(x) : x) - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * plotWidth
    }
    func py(_ y: Double) -> Double {
      top + plotHeight * (1 - ((logY ? log10(y) : y) - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound))
    }
    out.append(
      "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"black\"/>"
    )
    for (value, label) in ticks(yRange, log: logY) {
      let y = top + plotHeight * (1 - (value - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound))
      out.append(
        "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>")
      out.append("<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label)</text>")
    }
    for (value, label) in ticks(xRange, log: logX) {
      let x = left + (value - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * plotWidth
      out.append("<text x=\"\(f(x))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\">\(label)</text>")
    }
    out.append(
      "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">\(SVGHistogram.escaped(xLabel))</text>"
    )
    out.append(
      "<text x=\"18\" y=\"\(f(top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(top + plotHeight / 2)))\">\(SVGHistogram.escaped(yLabel))</text>"
    )
    // Sampled points take the hue of the curve with the same letter, as filled
    // circles in its light tint, so that each pairs with its curve yet neither
    // passes for the other; the legend shows each series' swatch.
    let curveLetters = series.filter(\.isCurve).map { $0.marker.uppercased() }
    for (index, line) in series.enumerated() {
      let colourIndex = curveLetters.firstIndex(of: line.marker.uppercased()) ?? index
      let (colour, tint) = Self.palette[colourIndex % Self.palette.count]
      let points = line.points.filter { drawable($0) && yRange.contains(logY ? log10($0.y) : $0.y) }
      let legendY = top + 18 * Double(index) + 8
      func circle(_ x: Double, _ y: Double) -> String {
        line.isBackground
          ? "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"2\" fill=\"#cccccc\"/>"
          : "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3.5\" fill=\"\(tint)\" stroke=\"\(colour)\"/>"
      }
      if line.isCurve {
        // One polyline for each run of drawable points: a missing value breaks the curve.
        for run in line.points.split(whereSeparator: { !drawable($0) }) {
          let path = run.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
          out.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>")
        }
        out.append(
          "<line x1=\"\(f(width - right + 10))\" y1=\"\(f(legendY))\" x2=\"\(f(width - right + 30))\" y2=\"\(f(legendY))\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
        )
      } else {
        out += points.map { circle(px($0.x), py($0.y)) }
        out.append(circle(width - right + 20, legendY))
      }
      out.append(
        "<text x=\"\(f(width - right + 36))\" y=\"\(f(legendY + 4))\">\(SVGHistogram.escaped(line.name))</text>"
      )
    }
    if let note { out.append(note) }
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }

  /// Tick positions in axis units and their labels: decades on a log axis,
  /// round 1-2-5 steps on a linear one.
  func ticks(_ range: ClosedRange<Double>, log: Bool) -> [(Double, String)] {
    if log {
      let decades =
        Int(
          range.lowerBound.rounded(.up))...max(Int(range.lowerBound.rounded(.up)), Int(range.upperBound.rounded(.down)))
      return decades.map { (Double($0), String(format: "%.0e", pow(10, Double($0)))) }
    }
    var step = SVGHistogram.niceStep((range.upperBound - range.lowerBound) / 4)
    // At least two steps in range: a step rounded up to 5 can leave one tick.
    // The next smaller round step: 5 -> 2 -> 1 -> 0.5 times the power of ten.
    while ((range.upperBound - range.lowerBound) / step).rounded(.down) < 2 {
      let magnitude = pow(10, floor(log10(step) + 1e-9))
      step =
        (step / magnitude).rounded() == 5
        ? 2 * magnitude : (step / magnitude).rounded() == 2 ? magnitude : magnitude / 2
    }
    let first = (range.lowerBound / step).rounded(.up) * step
    // A tick at -1e-17, a sum of steps that should be 0, is 0.
    return stride(from: first, through: range.upperBound + step * 1e-9, by: step).map {
      let tick = abs($0) < step * 1e-6 ? 0 : $0
      return (tick, axisLabel(tick, log: false))
    }
  }

  func f(_ value: Double) -> String { NumberFormat.fixed(value, 2) }
}
