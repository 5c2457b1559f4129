import Foundation
import Testing

@testable import Lab

/// Long tables are cut short, by one rule in `TextTable` (issue 26, item 11):
/// `sample` of 100,000 dimensions printed 1.9 million lines over 49 s. A table
/// of more than 50 rows shows its first and last 20 and a line saying how many
/// were left out; JSON still holds every row.
@Suite struct LongTableTests {
  /// `[0, 0, ..., 0]` of `count` zeros.
  static func zeros(_ count: Int) -> String { "[" + Array(repeating: "0", count: count).joined(separator: ", ") + "]" }

  @Test func aTableOf100000RowsShowsItsFirstAndLastRowsAndALine() throws {
    var table = TextTable([("i", .right), ("square", .right)])
    for i in 0..<100_000 { table.append(["\(i)", "\(i * i)"]) }
    let lines = table.rendered.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let lineCount = lines.count
    try #require(lineCount == 1 + 20 + 1 + 20)
    #expect(lines[0] == "    i      square")
    #expect(lines[1] == "    0           0" && lines[20] == "   19         361")
    #expect(lines[21] == "... 99,960 rows left out (of 100,000); format=json prints them all")
    #expect(lines[22] == "99980  9996000400" && lines[41] == "99999  9999800001")
  }

  /// Up to 50 rows are shown whole; from 51 the rule applies. A footer (a
  /// total) is always shown, after the last rows. Rows appended by a function
  /// are made only when shown, and print as the same rows appended one by one.
  @Test func theRuleAtItsEdgesAndRowsMadeOnlyWhenShown() {
    func table(_ count: Int) -> TextTable {
      var table = TextTable([("i", .right)])
      for i in 0..<count { table.append(["\(i)"]) }
      table.footer.append(["total"])
      return table
    }
    #expect(table(50).rendered.split(separator: "\n").count == 1 + 50 + 1)
    let cut = table(51).rendered.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    #expect(cut.count == 1 + 20 + 1 + 20 + 1)
    #expect(
      cut[20] == "19" && cut[21] == "... 11 rows left out (of 51); format=json prints them all" && cut[22] == "31")
    #expect(cut.last == "total")
    for count in [0, 1, 20, 21, 49, 50, 51, 79, 80, 81, 1000] {
      var made = 0
      var lazy = TextTable([("i", .right)])
      lazy.append(count: 3) { ["\($0)"] }
      lazy.append(count: count) { index in
        made += 1
        return ["\(index + 3)"]
      }
      lazy.footer.append(["total"])
      #expect(made <= 50)
      var eager = table(count + 3)
      eager.footer = [["total"]]
      #expect(lazy.rendered == eager.rendered, "\(count) rows")
    }
  }

  /// A table folded to a window's width keeps the line in each part.
  @Test func aFoldedLongTableSaysWhatWasLeftOutInEachPart() {
    var table = TextTable([("dim", .right), ("a", .right), ("b", .right)], keyColumns: 1)
    table.append(count: 100) { ["\($0)", String(repeating: "a", count: 30), String(repeating: "b", count: 30)] }
    let parts = table.rendered(width: 40).components(separatedBy: "\n\n")
    #expect(parts.count == 2)
    for part in parts {
      #expect(part.split(separator: "\n").count == 42)
      #expect(part.contains("\n... 60 rows left out (of 100); format=json prints them all\n"))
    }
  }

  /// `kl` of a vector of 100,000 dimensions: the per-dimension table is cut
  /// short, the total still shown; JSON carries every dimension.
  @Test func klOfManyDimensionsIsCutShortButItsJSONIsWhole() throws {
    var engine = Engine()
    let reply = engine.execute("kl \(Self.zeros(100_000)) 1")
    #expect(reply.error == nil)
    // Facts about the text, not the text: a failure would print 100,000 lines.
    let lines = reply.output.split(separator: "\n").map(String.init)
    let lineCount = lines.count
    #expect(lineCount < 50)
    let saysWhatIsLeftOut = lines.contains("... 99,960 rows left out (of 100,000); format=json prints them all")
    let showsTheEnds = lines.contains { $0.hasPrefix("total") } && lines.contains { $0.hasPrefix("99999 ") }
    #expect(saysWhatIsLeftOut && showsTheEnds)
    let json = engine.execute("kl \(Self.zeros(100_000)) 1 format=json").output
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect((object["per_dim"] as? [Any])?.count == 100_000)
  }

  /// The reproduction: `sample` of 100,000 dimensions, n=2, printed every
  /// dimension's moments and histogram (1.9 million lines). Now its draws'
  /// vectors, its moments and its histograms are cut short by the same rule;
  /// JSON keeps every dimension.
  @Test func sampleOf100000DimensionsPrintsBoundedText() throws {
    var engine = Engine()
    let reply = engine.execute("sample \(Self.zeros(100_000)) 1 n=2")
    #expect(reply.error == nil)
    // Facts about the text, not the text: a failure would print 1.9 million lines.
    let lines = reply.output.split(separator: "\n", omittingEmptySubsequences: false)
    let (lineCount, byteCount) = (lines.count, reply.output.utf8.count)
    #expect(lineCount < 1000 && byteCount < 100_000)
    let saysWhatIsLeftOut =
      lines.contains("... 99,960 rows left out (of 100,000); format=json prints them all")
      && lines.contains("... 99,960 histograms left out (of 100,000); format=json prints them all")
      && reply.output.contains(", ... 99,960 more ..., ")
    #expect(saysWhatIsLeftOut)
    let showsTheLast = lines.contains("histogram of z[99999]; • = expected count under N(0.000, 1.000^2):")
    #expect(showsTheLast)
    let json = engine.execute("sample \(Self.zeros(100_000)) 1 n=2 format=json").output
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect((object["histograms"] as? [Any])?.count == 100_000 && (object["mean"] as? [Any])?.count == 100_000)
  }

  /// A session with a long table saves as shown and checks clean.
  @Test func aSavedLongTableChecksClean() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/long.md"
    var engine = Engine()
    for line in ["kl \(Self.zeros(200)) 1", "sample \(Self.zeros(60)) 1 n=3 show=2", "save \(path)"] {
      #expect(engine.execute(line).error == nil)
    }
    let text = try FileIO.readText(path)
    #expect(text.contains("... 160 rows left out (of 200); format=json prints them all"))
    let transcript = try Transcript(parsing: text, name: path)
    #expect(try TranscriptChecker.check(transcript, file: path, files: .unrestricted).mismatches.isEmpty)
  }
}
