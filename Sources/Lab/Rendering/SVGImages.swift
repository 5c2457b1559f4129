/// Grayscale images side by side as SVG, one rect per pixel, captions above. Pure.
public enum SVGImages {
  public static func render(_ items: [(String, [Float])], width: Int, height: Int, pixel: Int = 8) -> String {
    let gap = 16
    let captionHeight = 20
    let totalWidth = items.count * (width * pixel + gap) + gap
    let totalHeight = height * pixel + captionHeight + 2 * gap
    var out = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(totalWidth)\" height=\"\(totalHeight)\" font-family=\"sans-serif\" font-size=\"12\">",
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
    ]
    for (index, item) in items.enumerated() {
      let left = gap + index * (width * pixel + gap)
      out.append("<text x=\"\(left)\" y=\"\(gap + 12)\">\(SVGHistogram.escaped(item.0))</text>")
      for y in 0..<height {
        for x in 0..<width {
          let value = min(1, max(0, y * width + x < item.1.count ? item.1[y * width + x] : 0))
          let level = Int((1 - value) * 255)
          out.append(
            "<rect x=\"\(left + x * pixel)\" y=\"\(gap + captionHeight + y * pixel)\" width=\"\(pixel)\" height=\"\(pixel)\" fill=\"rgb(\(level),\(level),\(level))\"/>"
          )
        }
      }
    }
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }
}
