import Testing

@testable import Lab

/// Inputs that nested a recursion until the stack overflowed (issue 9, defect 4)
/// get a clear error, or are handled without recursion.
struct DeepInputTests {
  @Test(arguments: [
    (
      "grad \"" + String(repeating: "(", count: 50_000) + "z\"",
      "f: the expression has 50001 characters; at most 1000 are accepted"
    ),
    (
      "grad \"" + Array(repeating: "z", count: 100_000).joined(separator: "+") + "\"",
      "f: the expression has 199999 characters; at most 1000 are accepted"
    ),
    (
      "grad \"" + String(repeating: "(", count: 101) + "z" + String(repeating: ")", count: 101) + "\"",
      "f: the expression nests deeper than 100 levels of parentheses, calls and minus signs"
    ),
    (
      "grad \"" + String(repeating: "exp(", count: 101) + "z" + String(repeating: ")", count: 101) + "\"",
      "f: the expression nests deeper than 100 levels of parentheses, calls and minus signs"
    ),
    (
      "grad \"" + String(repeating: "-", count: 101) + "z\"",
      "f: the expression nests deeper than 100 levels of parentheses, calls and minus signs"
    ),
  ])
  func deepExpressionsAreRefused(line: String, message: String) {
    var engine = Engine()
    let error = engine.execute(line).error ?? ""
    #expect(error.hasPrefix(message), "\(error.prefix(200))")
    // The shell carries on.
    #expect(engine.execute("kl 2 1").error == nil)
  }

  /// A NUL byte pasted into a command is named, not hidden inside a word.
  @Test func controlCharactersAreNamed() {
    var engine = Engine()
    #expect(
      engine.execute("seed\u{0}3").error
        == "the line holds a control character (U+0000) at column 5; commands are plain text")
    #expect(engine.execute("seed\t3").output == "seed = 3")
  }

  /// A lesson with 100,000 lines of `...` after one command checks without recursion.
  @Test func manyWildcardLinesCheck() throws {
    let text = "```vaelab\n> seed 3\n" + String(repeating: "...\n", count: 100_000) + "seed = 3\n```\n"
    let transcript = try Transcript(parsing: text, name: "w.md")
    #expect(try TranscriptChecker.check(transcript, file: "w.md", files: .unrestricted).mismatches.isEmpty)
  }

  /// A line of 100,000 characters compares without recursion.
  @Test func aVeryLongLineCompares() {
    let line = String(repeating: "ab ", count: 33_333) + "1.5"
    #expect(OutputMatcher.lineMatches(line, line))
    #expect(!OutputMatcher.lineMatches(line, line + "x"))
  }
}
