/// Grayscale images as SVG in a grid of `columns` per row, one rect per pixel,
/// captions above, a title on top. Pure.
public enum SVGImages {
  public static func render(
    _ items: [(String, [Float])], width: Int, height: Int, pixel: Int = 8, columns: Int = 8, title: String = ""
  ) -> String {
    let gap = 16
    let captionHeight = 20
    let titleHeight = title.isEmpty ? 0 : 28
    let perRow = max(1, min(columns, items.count))
    let rows = (items.count + perRow - 1) / perRow
    let cellWidth = width * pixel + gap
    let cellHeight = height * pixel + captionHeight + gap
    let totalWidth = perRow * cellWidth + gap
    let totalHeight = titleHeight + rows * cellHeight + gap
    var out = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(totalWidth)\" height=\"\(totalHeight)\" font-family=\"sans-serif\" font-size=\"12\">",
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
    ]
    if !title.isEmpty {
      out.append("<text x=\"\(gap)\" y=\"\(gap + 6)\" font-size=\"14\">\(SVGHistogram.escaped(title))</text>")
    }
    for (index, item) in items.enumerated() {
      let left = gap + (index % perRow) * cellWidth
      let top = titleHeight + gap + (index / perRow) * cellHeight
      out.append("<text x=\"\(left)\" y=\"\(top + 12)\">\(SVGHistogram.escaped(item.0))</text>")
      for y in 0..<height {
        for x in 0..<width {
          let value = min(1, max(0, y * width + x < item.1.count ? item.1[y * width + x] : 0))
          let level = Int((1 - value) * 255)
          out.append(
            "<rect x=\"\(left + x * pixel)\" y=\"\(top + captionHeight + y * pixel)\" width=\"\(pixel)\" height=\"\(pixel)\" fill=\"rgb(\(level),\(level),\(level))\"/>"
          )
        }
      }
      out.append(
        "<rect x=\"\(left)\" y=\"\(top + captionHeight)\" width=\"\(width * pixel)\" height=\"\(height * pixel)\" fill=\"none\" stroke=\"#999\"/>"
      )
    }
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }

  /// Images tiled edge to edge in `columns` columns, as a figure with axes: a
  /// label beside each row and under each column, the axes named. For a grid
  /// of decodes across a latent plane, where position is the point (`gap`
  /// pixels apart, for rows of separate figures).
  public static func grid(
    _ images: [[Float]], columns: Int, width: Int, height: Int, rowLabels: [String], columnLabels: [String],
    xLabel: String, yLabel: String, title: String, pixel: Int = 4, gap: Int = 0
  ) -> String {
    let (tileWidth, tileHeight) = (width * pixel + gap, height * pixel + gap)
    let rows = (images.count + columns - 1) / max(columns, 1)
    let (left, top, bottom, right) = (90, 44, 56, 20)
    let (totalWidth, totalHeight) = (left + columns * tileWidth + right, top + rows * tileHeight + bottom)
    var out = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(totalWidth)\" height=\"\(totalHeight)\" font-family=\"sans-serif\" font-size=\"12\">",
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
      "<text x=\"\(left)\" y=\"26\" font-size=\"14\">\(SVGHistogram.escaped(title))</text>",
    ]
    for (index, image) in images.enumerated() {
      let (x0, y0) = (left + (index % columns) * tileWidth, top + (index / columns) * tileHeight)
      for y in 0..<height {
        for x in 0..<width {
          let value = min(1, max(0, y * width + x < image.count ? image[y * width + x] : 0))
          let level = Int((1 - value) * 255)
          out.append(
            "<rect x=\"\(x0 + x * pixel)\" y=\"\(y0 + y * pixel)\" width=\"\(pixel)\" height=\"\(pixel)\" fill=\"rgb(\(level),\(level),\(level))\"/>"
          )
        }
      }
    }
    out.append(
      "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(columns * tileWidth)\" height=\"\(rows * tileHeight)\" fill=\"none\" stroke=\"#999\"/>"
    )
    for (row, label) in rowLabels.prefix(rows).enumerated() {
      out.append(
        "<text x=\"\(left - 6)\" y=\"\(top + row * tileHeight + tileHeight / 2 + 4)\" text-anchor=\"end\">\(SVGHistogram.escaped(label))</text>"
      )
    }
    for (column, label) in columnLabels.prefix(columns).enumerated() {
      out.append(
        "<text x=\"\(left + column * tileWidth + tileWidth / 2)\" y=\"\(top + rows * tileHeight + 16)\" text-anchor=\"middle\">\(SVGHistogram.escaped(label))</text>"
      )
    }
    let middleY = top + rows * tileHeight / 2
    out.append(
      "<text x=\"\(left + columns * tileWidth / 2)\" y=\"\(totalHeight - 12)\" text-anchor=\"middle\">\(SVGHistogram.escaped(xLabel))</text>"
    )
    out.append(
      "<text x=\"16\" y=\"\(middleY)\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(middleY))\">\(SVGHistogram.escaped(yLabel))</text>"
    )
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }
}
