/// An aligned text table: a header row and rows of cells, columns separated by two
/// spaces, numbers right-aligned and words left-aligned.
struct TextTable {
  enum Alignment { case left, right }

  var headers: [String]
  var alignments: [Alignment]
  var rows: [[String]] = []
  var showsHeader: Bool
  /// The leading columns that name a row (such as param and estimator): when
  /// the table is folded to a width, each part repeats them.
  var keyColumns: Int

  init(_ columns: [(String, Alignment)], showsHeader: Bool = true, keyColumns: Int = 0) {
    headers = columns.map(\.0)
    alignments = columns.map(\.1)
    self.showsHeader = showsHeader
    self.keyColumns = keyColumns
  }

  mutating func append(_ row: [String]) { rows.append(row) }

  var rendered: String { rendered(width: nil) }

  /// The table in at most `width` columns (nil: no limit). A wider table is
  /// folded: the columns after the key columns go into parts that each fit,
  /// shown one under the other with the key columns repeated, a blank line
  /// between, so that no line wraps in the middle of a cell.
  func rendered(width: Int?) -> String {
    let all = (showsHeader ? [headers] : []) + rows
    let widths = headers.indices.map { column in
      all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
    }
    func lines(_ columns: [Int]) -> String {
      all.map { row in
        columns.map { column -> String in
          let cell = row.indices.contains(column) ? row[column] : ""
          let padding = String(repeating: " ", count: widths[column] - cell.count)
          return alignments[column] == .right ? padding + cell : cell + padding
        }.joined(separator: "  ").trailingBlanksRemoved
      }.joined(separator: "\n")
    }
    let keys = Array(0..<min(keyColumns, headers.count))
    func span(_ columns: [Int]) -> Int { columns.reduce(0) { $0 + widths[$1] } + 2 * max(columns.count - 1, 0) }
    guard let width, span(Array(headers.indices)) > width, keys.count < headers.count else {
      return lines(Array(headers.indices))
    }
    var parts: [[Int]] = [[]]
    for column in keys.count..<headers.count {
      if let last = parts.last, !last.isEmpty, span(keys + last + [column]) > width {
        parts.append([column])
      } else {
        parts[parts.count - 1].append(column)
      }
    }
    return parts.map { lines(keys + $0) }.joined(separator: "\n\n")
  }
}

extension String {
  /// The line broken at blanks into lines of at most `width` characters (nil:
  /// as it is), continuation lines indented by two spaces; a word longer than
  /// the width stays whole.
  func wrapped(to width: Int?) -> String {
    guard let width, count > width else { return self }
    var lines: [String] = []
    var current = ""
    for word in split(separator: " ", omittingEmptySubsequences: false) {
      let candidate = current.isEmpty ? String(word) : current + " " + word
      if candidate.count > width && !current.trimmingBlanks.isEmpty {
        lines.append(current)
        current = "  " + word
      } else {
        current = candidate
      }
    }
    lines.append(current)
    return lines.joined(separator: "\n")
  }

  /// The string without its trailing spaces. Found in the UTF-8 bytes: a
  /// space is one byte, and the last other byte ends a whole character.
  var trailingBlanksRemoved: String {
    guard let last = utf8.lastIndex(where: { $0 != UInt8(ascii: " ") }) else { return "" }
    return String(decoding: utf8[...last], as: UTF8.self)
  }
}
