/// Small grayscale images in the terminal. With colour: the upper-half block
/// "▀" with the top pixel as foreground and the bottom pixel as background, in
/// the 24 grey levels of the 256-colour palette (232-255), two pixel rows per
/// line. Without colour: two shade characters per pixel (" ░▒▓█"), one pixel
/// row per line. Pure: pixels in, lines out.
public enum TerminalImage {
  static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

  /// The lines of one image; `pixels` are row-major values in [0, 1] (clamped).
  public static func lines(_ pixels: [Float], width: Int, height: Int, colour: Bool) -> [String] {
    func value(_ x: Int, _ y: Int) -> Float { y < height ? min(1, max(0, pixels[y * width + x])) : 0 }
    if colour {
      return stride(from: 0, to: height, by: 2).map { y in
        (0..<width).map { x in
          "\u{1B}[38;5;\(grey(value(x, y)))m\u{1B}[48;5;\(grey(value(x, y + 1)))m▀"
        }.joined() + "\u{1B}[0m"
      }
    }
    return (0..<height).map { y in
      String(
        (0..<width).flatMap { x -> [Character] in
          let shade = shades[min(shades.count - 1, Int(value(x, y) * Float(shades.count - 1) + 0.5))]
          return [shade, shade]
        })
    }
  }

  /// The 256-colour index of the grey nearest to `value`: 232 (darkest) to 255.
  static func grey(_ value: Float) -> Int { 232 + Int((value * 23).rounded()) }

  /// Images side by side, with captions above them, two spaces apart.
  public static func row(_ images: [(caption: String, lines: [String], width: Int)]) -> String {
    let height = images.map(\.lines.count).max() ?? 0
    let captions = images.map { $0.caption.padding(to: $0.width) }.joined(separator: "  ")
    let body = (0..<height).map { line in
      images.map { image in line < image.lines.count ? image.lines[line] : String(repeating: " ", count: image.width) }
        .joined(separator: "  ")
    }
    return ([captions.trailingBlanksRemoved] + body.map(\.trailingBlanksRemoved)).joined(separator: "\n")
  }

  /// Images tiled edge to edge in `columns` columns, as a figure: row labels
  /// on the left, column labels under each column (at most `labelWidth`
  /// characters kept). Each image is shrunk by box averages of 2 x 2 or 4 x 4
  /// pixels when that is what it takes for the grid to fit `maxWidth` columns.
  public static func grid(
    _ images: [[Float]], columns: Int, width: Int, height: Int, colour: Bool, rowLabels: [String],
    columnLabels: [String], maxWidth: Int
  ) -> String {
    let labelWidth = rowLabels.map(\.count).max() ?? 0
    func tileWidth(_ factor: Int) -> Int { (colour ? 1 : 2) * ((width + factor - 1) / factor) }
    let factor = [1, 2, 4].first { labelWidth + 1 + columns * tileWidth($0) <= maxWidth } ?? 4
    let (smallWidth, smallHeight) = ((width + factor - 1) / factor, (height + factor - 1) / factor)
    let tiles = images.map {
      lines(
        shrunk($0, width: width, height: height, by: factor), width: smallWidth, height: smallHeight, colour: colour)
    }
    var out: [String] = []
    for start in stride(from: 0, to: tiles.count, by: columns) {
      let row = tiles[start..<min(start + columns, tiles.count)]
      let label = start / columns < rowLabels.count ? rowLabels[start / columns] : ""
      let linesHere = row.map(\.count).max() ?? 0
      for line in 0..<linesHere {
        let left = line == linesHere / 2 ? label : ""
        out.append(
          String(repeating: " ", count: labelWidth - left.count) + left + " " + row.map { $0[line] }.joined())
      }
    }
    // Column labels, each under its column when they fit, else every other one.
    let cell = tileWidth(factor)
    var axis = [Character](repeating: " ", count: labelWidth + 1 + columns * cell + 8)
    var nextFree = 0
    for (column, label) in columnLabels.prefix(columns).enumerated() {
      let start = max(labelWidth + 1 + column * cell + (cell - label.count) / 2, nextFree)
      guard start + label.count <= axis.count else { break }
      for (offset, character) in label.enumerated() { axis[start + offset] = character }
      nextFree = start + label.count + 1
    }
    out.append(String(axis))
    return out.map(\.trailingBlanksRemoved).joined(separator: "\n")
  }

  /// `pixels` (width x height, row-major) shrunk by `factor` in each direction,
  /// each new pixel the mean of the block it covers (smaller at the edges).
  static func shrunk(_ pixels: [Float], width: Int, height: Int, by factor: Int) -> [Float] {
    guard factor > 1 else { return pixels }
    let (newWidth, newHeight) = ((width + factor - 1) / factor, (height + factor - 1) / factor)
    return (0..<(newWidth * newHeight)).map { index in
      let (x0, y0) = ((index % newWidth) * factor, (index / newWidth) * factor)
      var (sum, count) = (Float(0), 0)
      for y in y0..<min(y0 + factor, height) {
        for x in x0..<min(x0 + factor, width) where y * width + x < pixels.count {
          sum += pixels[y * width + x]
          count += 1
        }
      }
      return count > 0 ? sum / Float(count) : 0
    }
  }
}
