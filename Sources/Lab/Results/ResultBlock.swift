/// A part of what a result shows: text, a table or a figure. A result made of
/// blocks renders for every presentation from one value: a terminal (colour,
/// its width), plain text (pipes, saved notebooks), and HTML (an exported page),
/// where a table is a `<table>` and a figure an SVG image.
public enum ResultBlock: Sendable {
  /// Lines shown as they are, in a fixed-width font.
  case text(String)
  /// A table: aligned columns in text, a `<table>` in HTML.
  case table(TextTable)
  /// A picture: drawn in characters in text, an SVG image in HTML.
  case figure(Figure)

  /// The blocks as text for `presentation`: figures drawn in characters,
  /// blocks one under the other. A table with key columns is folded to the
  /// width, its keys repeated in each part; one without is shown whole, so that
  /// a row stays one row (its long lines wrap at blanks, `Presentation.fitted`).
  /// A figure drawn only as an image (the scatter of a table's points) is left out.
  static func text(_ blocks: [ResultBlock], for presentation: Presentation) -> String {
    blocks.compactMap { block in
      switch block {
      case .text(let text): text
      case .table(let table): table.rendered(width: table.keyColumns > 0 ? presentation.width : nil)
      case .figure(let figure): figure.drawing?(presentation)
      }
    }.joined(separator: "\n")
  }
}

/// A picture a result draws (a histogram, a curve, images, a scatter of the
/// latent space): one value with two drawings, in characters for a terminal or
/// plain text, and as an SVG document for a page, which is also what `svg=PATH`
/// writes.
public struct Figure: Sendable {
  /// What it shows, in a few words (the SVG's title, a page's caption).
  public let title: String
  /// The drawing in characters (in colour when the presentation has it); nil
  /// for a figure shown only as an image, beside a table that has its values.
  let drawing: (@Sendable (Presentation) -> String)?
  /// The SVG document, made only when asked for.
  let svg: @Sendable () -> String

  init(title: String, drawing: (@Sendable (Presentation) -> String)?, svg: @escaping @Sendable () -> String) {
    self.title = title
    self.drawing = drawing
    self.svg = svg
  }

  /// A plot, drawn `width` by `height` characters in text.
  init(_ plot: LinePlot, title: String, width: Int, height: Int) {
    self.init(
      title: title, drawing: { _ in plot.terminal(width: width, height: height) }, svg: { plot.svg(title: title) })
  }
}

/// Lines of text with tables and figures among them, gathered into blocks in
/// order: how a result that writes line by line shows a table as a table.
struct ResultBlocks {
  private var blocks: [ResultBlock] = []
  private var lines: [String] = []

  mutating func append(_ line: String) { lines.append(line) }
  mutating func append(contentsOf more: [String]) { lines += more }

  mutating func append(_ table: TextTable) {
    flush()
    blocks.append(.table(table))
  }

  mutating func append(_ figure: Figure) {
    flush()
    blocks.append(.figure(figure))
  }

  private mutating func flush() {
    if !lines.isEmpty { blocks.append(.text(lines.joined(separator: "\n"))) }
    lines = []
  }

  /// The blocks, the lines since the last table or figure last.
  var all: [ResultBlock] {
    var copy = self
    copy.flush()
    return copy.blocks
  }
}
