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
}
