/// An aligned text table: a header row and rows of cells, columns separated by two
/// spaces, numbers right-aligned and words left-aligned.
struct TextTable {
  enum Alignment { case left, right }

  var headers: [String]
  var alignments: [Alignment]
  var rows: [[String]] = []
  var showsHeader: Bool

  init(_ columns: [(String, Alignment)], showsHeader: Bool = true) {
    headers = columns.map(\.0)
    alignments = columns.map(\.1)
    self.showsHeader = showsHeader
  }

  mutating func append(_ row: [String]) { rows.append(row) }

  var rendered: String {
    let all = (showsHeader ? [headers] : []) + rows
    let widths = headers.indices.map { column in
      all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
    }
    return all.map { row in
      headers.indices.map { column -> String in
        let cell = row.indices.contains(column) ? row[column] : ""
        let padding = String(repeating: " ", count: widths[column] - cell.count)
        return alignments[column] == .right ? padding + cell : cell + padding
      }.joined(separator: "  ").trailingBlanksRemoved
    }.joined(separator: "\n")
  }
}

extension String {
  var trailingBlanksRemoved: String {
    String(reversed().drop(while: { $0 == " " }).reversed())
  }
}
