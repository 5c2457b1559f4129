/// A result's blocks as HTML for a page: text in `<pre>`, a table as a
/// `<table>` (numbers right-aligned, a long table's left-out rows as one row
/// saying so), a figure as its SVG inline, kept only as `SVGSanitizer` rewrites
/// it (a figure it refuses is drawn in characters instead).
enum HTMLRendering {
  static func html(_ blocks: [ResultBlock], for presentation: Presentation) -> String {
    blocks.map { block in
      switch block {
      case .text(let text): text.isEmpty ? "" : "<pre class=\"output\">" + escaped(text) + "</pre>"
      case .table(let table): html(table)
      case .figure(let figure): html(figure, presentation: presentation)
      }
    }.joined()
  }

  static func html(_ table: TextTable) -> String {
    let (first, leftOut, last) = table.shownRows
    func row(_ cells: [String], tag: String) -> String {
      "<tr>"
        + table.headers.indices.map { column in
          let cell = cells.indices.contains(column) ? cells[column] : ""
          let alignment = table.alignments[column] == .right ? " class=\"number\"" : ""
          return "<\(tag)\(alignment)>\(escaped(cell))</\(tag)>"
        }.joined() + "</tr>"
    }
    var html = "<table class=\"result\">"
    if table.showsHeader { html += "<thead>" + row(table.headers, tag: "th") + "</thead>" }
    html += "<tbody>" + first.map { row($0, tag: "td") }.joined()
    if leftOut > 0 {
      html +=
        "<tr class=\"left-out\"><td colspan=\"\(table.headers.count)\">"
        + escaped(TextTable.leftOutLine(leftOut, of: table.rowCount)) + "</td></tr>"
    }
    html += (last + table.footer).map { row($0, tag: "td") }.joined() + "</tbody></table>"
    return html
  }

  static func html(_ figure: Figure, presentation: Presentation) -> String {
    guard let svg = SVGSanitizer.sanitized(figure.svg()) else {
      return figure.drawing.map { "<pre class=\"output\">" + escaped($0(presentation)) + "</pre>" } ?? ""
    }
    return "<figure>" + svg + "<figcaption>" + escaped(figure.title) + "</figcaption></figure>"
  }

  static func escaped(_ text: String) -> String { HTMLExport.escaped(text) }
}
