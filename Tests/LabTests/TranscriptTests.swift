import Testing

@testable import Lab

struct OutputMatcherTests {
  @Test(arguments: [
    ("= 0.318 nats", "= 0.318 nats", true),
    ("= 0.32 nats", "= 0.318 nats", true),
    ("= 0.3 nats", "= 0.318 nats", true),
    ("= 0.317 nats", "= 0.318 nats", false),
    ("= 0.318 nats", "= 0.3181 nats", true),
    ("= 0.318 nats", "= 0.3186 nats", false),
    ("= 2 nats", "= 2.4 nats", true),
    ("= 2 nats", "= 2.6 nats", false),
    ("n = 1000", "n = 1001", false),
    ("a   b", "a b", true),
    ("z[0] -1.5", "z[0] -1.5", true),
    ("z[0] -1.5", "z[1] -1.5", false),
    ("mean ... s.e.", "mean 2.013 -1.2 s.e.", true),
    ("mean ... s.e.", "mean 2.013", false),
    ("KL(q || p)", "KL(p || q)", false),
    ("wrote a.svg", "wrote b.svg", false),
  ])
  func linesCompareNumbersToTheWrittenPrecision(expected: String, actual: String, matches: Bool) {
    #expect(OutputMatcher.lineMatches(expected, actual) == matches)
  }

  @Test func anEllipsisLineMatchesAnyNumberOfLines() {
    #expect(OutputMatcher.matches(expected: ["first", "...", "last"], actual: ["first", "a", "b", "last"]))
    #expect(OutputMatcher.matches(expected: ["first", "...", "last"], actual: ["first", "last"]))
    #expect(!OutputMatcher.matches(expected: ["first", "...", "last"], actual: ["first", "a"]))
    #expect(OutputMatcher.matches(expected: ["a", ""], actual: ["a"]))
    #expect(!OutputMatcher.matches(expected: ["a"], actual: ["a", "b"]))
  }
}

struct TranscriptTests {
  let lesson = """
    ---
    title: Anchors
    seed: 3
    ---
    # Anchors

    Some prose.

    ```vaelab
    > kl 2 1
    KL(q || p) for q = N(2, 1^2), p = N(0, 1^2):
    ...
    = 2.000 nats

    > seed
    seed = 3
    ```

    More prose.
    ```vaelab
    > kl 1 2
    = 1.307 nats

    ```
    """

  /// More expected lines (not `...`) than actual lines cannot match, and is
  /// refused without comparing them; runs of `...` act as one.
  @Test func matchingStaysWithinTheActualOutput() {
    let actual = (0..<3).map { "line \($0)" }
    #expect(!OutputMatcher.matches(expected: Array(repeating: "...", count: 100_000) + ["x"] + actual, actual: actual))
    #expect(OutputMatcher.matches(expected: Array(repeating: "...", count: 100_000) + ["line 2"], actual: actual))
    #expect(!OutputMatcher.matches(expected: Array(repeating: "line 0", count: 100_000), actual: actual))
    // One long line of wildcards against a long actual line: bounded work, and still an answer.
    let long = String(repeating: "...x", count: 3000)
    #expect(OutputMatcher.lineMatches(long, long))
    #expect(!OutputMatcher.lineMatches(long, String(repeating: "y", count: 12_000)))
  }

  /// Outputs that differ throughout and would need a table beyond the budget are
  /// shown as removed and added blocks; lines agreeing at both ends stay shared.
  @Test func largeDiffsFallBackToBlocks() {
    let expected = ["head"] + (0..<1100).map { "e \($0)" } + ["tail"]
    let actual = ["head"] + (0..<1000).map { "a \($0)" } + ["tail"]
    var budget = LineDiff.fileBudget
    let diff = LineDiff.lines(expected: expected, actual: actual, budget: &budget)
    #expect(diff.first == "  head" && diff.last == "  tail")
    #expect(diff[1] == "- e 0" && diff[1101] == "+ a 0" && diff.count == 2102)
    #expect(budget == LineDiff.fileBudget, "no table was made")
    var small = 2_000
    let table = LineDiff.lines(expected: ["x", "1", "y"], actual: ["x", "2", "y", "z"], budget: &small)
    #expect(table == ["  x", "- 1", "+ 2", "  y", "+ z"])
    var spent = 10
    #expect(LineDiff.lines(expected: ["1", "2", "3", "4"], actual: ["5", "6", "7"], budget: &spent).count == 7)
    #expect(spent == 10)
  }

  /// Ctrl-C during a check stops it after the command it arrived in, and says where.
  @Test func anInterruptedCheckSaysWhereItStopped() throws {
    let transcript = try Transcript(parsing: "```vaelab\n> kl 2 1\nx\n> kl 1 2\nx\n```\n", name: "i.md")
    let result = try TranscriptChecker.check(transcript, file: "i.md", files: .unrestricted, shouldStop: { true })
    #expect(result.interruptedAt == 2)
    #expect(result.mismatches.isEmpty)
    let whole = try TranscriptChecker.check(transcript, file: "i.md", files: .unrestricted)
    #expect(whole.interruptedAt == nil && whole.mismatches.count == 2)
  }

  @Test func parsesFrontMatterCommandsAndProse() throws {
    let transcript = try Transcript(parsing: lesson, name: "a.md")
    #expect(transcript.frontMatter["title"] == "Anchors")
    #expect(transcript.seed == 3)
    #expect(transcript.commands.map(\.input) == ["kl 2 1", "seed", "kl 1 2"])
    #expect(transcript.commands[0].inputLine == 9)
    #expect(transcript.commands[1].expected == ["seed = 3"])
    #expect(transcript.proseLines.map { transcript.lines[$0] }.contains("More prose."))
  }

  @Test func checkReportsOnlyTheMismatchWithItsLine() throws {
    let result = try TranscriptChecker.check(
      try Transcript(parsing: lesson, name: "a.md"), file: "a.md", files: .unrestricted)
    #expect(result.commandCount == 3)
    #expect(result.mismatches.count == 1)
    let mismatch = try #require(result.mismatches.first)
    #expect(mismatch.line == 21)
    #expect(
      mismatch.report == """
        a.md:21: output of 'kl 1 2' differs (- expected, + actual):
        + KL(q || p) for q = N(1, 2^2), p = N(0, 1^2):
        +   0.5 * (sigma^2 + mu^2 - 1 - log sigma^2)
        + = 0.5 * (4.000 + 1.000 - 1 - 1.386)
          = 1.307 nats
        """)
  }

  @Test func updateRewritesOnlyExpectedOutputs() throws {
    let transcript = try Transcript(parsing: lesson, name: "a.md")
    let updated = try TranscriptChecker.check(transcript, file: "a.md", files: .unrestricted).updatedText
    let reparsed = try Transcript(parsing: updated, name: "a.md")
    #expect(try TranscriptChecker.check(reparsed, file: "a.md", files: .unrestricted).mismatches.isEmpty)
    #expect(reparsed.proseLines.map { reparsed.lines[$0] } == transcript.proseLines.map { transcript.lines[$0] })
    // A matching output stays as written, wildcard and all.
    #expect(reparsed.commands[0].expected == transcript.commands[0].expected)
    // The blank line before the closing fence survives the rewrite of a mismatch.
    #expect(reparsed.commands[2].expected.count == 5)
    #expect(reparsed.commands[2].expected.last == "")
  }

  /// A matching output keeps its wildcards and precision; only the mismatch is rewritten.
  @Test func updateLeavesMatchingOutputsAsWritten() throws {
    let text = "```vaelab\n> kl 2 1\n...\n= 2.0 nats\n> kl 0 1\n= 1 nats\n```\n"
    let updated = try TranscriptChecker.check(
      try Transcript(parsing: text, name: "d.md"), file: "d.md", files: .unrestricted
    ).updatedText
    #expect(
      updated
        == "```vaelab\n> kl 2 1\n...\n= 2.0 nats\n> kl 0 1\nKL(q || p) for q = N(0, 1^2), p = N(0, 1^2):\n  0.5 * (sigma^2 + mu^2 - 1 - log sigma^2)\n= 0.5 * (1.000 + 0.000 - 1 - 0.000)\n= 0.000 nats\n```\n"
    )
  }

  @Test func blocksInsideListItemsKeepTheirIndentation() throws {
    let text = "1. An exercise:\n\n   ```vaelab\n   > kl 1 1\n   = 0.4 nats\n   ```\n"
    let transcript = try Transcript(parsing: text, name: "c.md")
    #expect(transcript.commands.map(\.input) == ["kl 1 1"])
    #expect(transcript.commands[0].expected == ["= 0.4 nats"])
    let updated = try TranscriptChecker.check(transcript, file: "c.md", files: .unrestricted).updatedText
    #expect(
      updated.hasSuffix(
        "   > kl 1 1\n   KL(q || p) for q = N(1, 1^2), p = N(0, 1^2):\n     0.5 * (sigma^2 + mu^2 - 1 - log sigma^2)\n   = 0.5 * (1.000 + 1.000 - 1 - 0.000)\n   = 0.500 nats\n   ```\n"
      ))
  }

  @Test func malformedTranscriptsAreRefusedWithTheLine() {
    #expect(throws: LabError("b.md:1: front matter starting with '---' is never closed by a '---' line")) {
      try Transcript(parsing: "---\ntitle: x\n", name: "b.md")
    }
    #expect(throws: LabError("b.md:2: the ```vaelab block is never closed by a ``` line")) {
      try Transcript(parsing: "text\n```vaelab\n> kl 2 1\n", name: "b.md")
    }
    #expect(throws: LabError("b.md:2: output before any '> ' command in the block")) {
      try Transcript(parsing: "```vaelab\n= 2.000 nats\n```\n", name: "b.md")
    }
    #expect(throws: LabError("b.md: seed 'x' in the front matter must be a whole number from 0 to 9223372036854775807"))
    {
      try Transcript(parsing: "---\nseed: x\n---\n", name: "b.md")
    }
  }

  /// A saved session is a notebook that checks clean, errors included.
  @Test func savedSessionsReplayAndCheck() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/session.md"
    var engine = Engine()
    for line in ["seed 4", "sample 1 2 n=500 show=2", "kl 0 0", "kl [0, 1] [1, 2] mc=1000", "help kl", "save \(path)"] {
      _ = engine.execute(line)
    }
    let transcript = try Transcript(parsing: try FileIO.readText(path), name: path)
    #expect(
      transcript.commands.map(\.input) == [
        "seed 4", "sample 1 2 n=500 show=2", "kl 0 0", "kl [0, 1] [1, 2] mc=1000", "help kl",
      ])
    #expect(transcript.commands[2].expected == ["error: sigma must be > 0 (from 1e-100 to 1e100), got 0"])
    #expect(try TranscriptChecker.check(transcript, file: path, files: .unrestricted).mismatches.isEmpty)
  }
}
