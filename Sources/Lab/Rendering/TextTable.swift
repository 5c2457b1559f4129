/// An aligned text table: a header row and rows of cells, columns separated by two
/// spaces, numbers right-aligned and words left-aligned.
///
/// Long tables are cut short, by one rule for every table a command prints: a
/// table of more than `longestWhole` (50) rows shows its first and its last
/// `shownAtEachEnd` (20) rows, and between them a line saying how many were
/// left out and how to get them all (`format=json`, whose JSON holds every
/// row). The rows left out are not kept, and rows appended with
/// `append(count:_:)` are not even made, so a table of 100,000 rows costs what
/// one of 50 does. A saved notebook records the table as shown, so `check`
/// compares it as shown. Figures drawn as tables (a histogram's bins, which
/// its `bins=` bounds) set `abridged` to false and show every row.
public struct TextTable: Sendable {
  enum Alignment { case left, right }

  var headers: [String]
  var alignments: [Alignment]
  var showsHeader: Bool
  /// The leading columns that name a row (such as param and estimator): when
  /// the table is folded to a width, each part repeats them.
  var keyColumns: Int
  /// Whether a long table is cut short (see above); false shows every row.
  var abridged: Bool
  /// Rows after the others that are always shown, such as a total.
  var footer: [[String]] = []

  /// Tables, and lists such as a vector's entries, of up to this many items are shown whole.
  static let longestWhole = 50
  /// A longer one shows this many of its first items and as many of its last.
  static let shownAtEachEnd = 20

  /// The first rows, up to `shownAtEachEnd` (every row when not abridged).
  private var head: [[String]] = []
  /// The last rows after those, up to `longestWhole - shownAtEachEnd`, as a
  /// ring whose oldest row is at `recentStart`.
  private var recent: [[String]] = []
  private var recentStart = 0
  /// Rows appended, shown or not (not counting the footer).
  private(set) var rowCount = 0

  init(_ columns: [(String, Alignment)], showsHeader: Bool = true, keyColumns: Int = 0, abridged: Bool = true) {
    headers = columns.map(\.0)
    alignments = columns.map(\.1)
    self.showsHeader = showsHeader
    self.keyColumns = keyColumns
    self.abridged = abridged
  }

  private static var recentCapacity: Int { longestWhole - shownAtEachEnd }

  mutating func append(_ row: [String]) {
    rowCount += 1
    if !abridged || head.count < Self.shownAtEachEnd {
      head.append(row)
    } else if recent.count < Self.recentCapacity {
      recent.append(row)
    } else {
      recent[recentStart] = row
      recentStart = (recentStart + 1) % Self.recentCapacity
    }
  }

  /// Appends `count` rows, row `i` made by `row(i)` only if it can be shown:
  /// for a long table, the first and last few.
  mutating func append(count: Int, _ row: (Int) -> [String]) {
    var index = 0
    while index < count && (!abridged || head.count < Self.shownAtEachEnd) {
      append(row(index))
      index += 1
    }
    let skipped = max(index, count - Self.recentCapacity)
    rowCount += skipped - index
    for index in skipped..<max(skipped, count) { append(row(index)) }
  }

  /// The rows shown: the first, how many were left out after them, and the last.
  var shownRows: (first: [[String]], leftOut: Int, last: [[String]]) {
    let ordered = Array(recent[recentStart...] + recent[..<recentStart])
    guard abridged, rowCount > Self.longestWhole else { return (head + ordered, 0, []) }
    return (head, rowCount - 2 * Self.shownAtEachEnd, Array(ordered.suffix(Self.shownAtEachEnd)))
  }

  /// The indices a list of `count` items shows under the rule: the first ones
  /// and the last ones (empty when all are in the first).
  static func shownIndices(_ count: Int) -> (first: Range<Int>, last: Range<Int>) {
    guard count > longestWhole else { return (0..<max(count, 0), count..<count) }
    return (0..<shownAtEachEnd, count - shownAtEachEnd..<count)
  }

  /// The line that stands for `leftOut` of `count` items (rows, histograms).
  static func leftOutLine(_ leftOut: Int, of count: Int, _ items: String = "rows") -> String {
    "... \(grouped(leftOut)) \(items) left out (of \(grouped(count))); format=json prints them all"
  }

  /// `count` items joined with ", ", cut short by the rule: `a, b, ..., (99,960 more), ..., y, z`.
  /// Only the items shown are made.
  static func list(_ count: Int, _ item: (Int) -> String) -> String {
    let (first, last) = shownIndices(count)
    let leftOut = count - first.count - last.count
    return (first.map(item) + (leftOut > 0 ? ["... \(grouped(leftOut)) more ..."] : []) + last.map(item))
      .joined(separator: ", ")
  }

  /// `1234567` as `1,234,567`.
  static func grouped(_ number: Int) -> String {
    let digits = String(number.magnitude)
    var groups: [Substring] = []
    var end = digits.endIndex
    while end > digits.startIndex {
      let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
      groups.insert(digits[start..<end], at: 0)
      end = start
    }
    return (number < 0 ? "-" : "") + groups.joined(separator: ",")
  }

  var rendered: String { rendered(width: nil) }

  /// The table in at most `width` columns (nil: no limit). A wider table is
  /// folded: the columns after the key columns go into parts that each fit,
  /// shown one under the other with the key columns repeated, a blank line
  /// between, so that no line wraps in the middle of a cell. A long table's
  /// line for the rows left out is in each part, unaligned.
  func rendered(width: Int?) -> String {
    let (first, leftOut, last) = shownRows
    let header = showsHeader ? [headers] : []
    let all = header + first + last + footer
    let widths = headers.indices.map { column in
      all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
    }
    func line(_ row: [String], _ columns: [Int]) -> String {
      columns.map { column -> String in
        let cell = row.indices.contains(column) ? row[column] : ""
        let padding = String(repeating: " ", count: widths[column] - cell.count)
        return alignments[column] == .right ? padding + cell : cell + padding
      }.joined(separator: "  ").trailingBlanksRemoved
    }
    func lines(_ columns: [Int]) -> String {
      let body = (header + first).map { line($0, columns) }
      let note = leftOut > 0 ? [Self.leftOutLine(leftOut, of: rowCount)] : []
      return (body + note + (last + footer).map { line($0, columns) }).joined(separator: "\n")
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
