/// `vaelab check`: re-runs every command of a transcript in one fresh session
/// (seeded from the front matter, else 0) and compares what it prints with the
/// expected output, reporting each mismatch as a diff with file and line.
public enum TranscriptChecker {
  public struct Mismatch: Sendable {
    public var file: String
    /// 1-based line of the command.
    public var line: Int
    public var input: String
    public var expected: [String]
    public var actual: [String]

    /// `FILE:LINE: output of 'CMD' differs` and a unified-style line diff.
    public var report: String {
      var lines = ["\(file):\(line): output of '\(input)' differs (- expected, + actual):"]
      lines += LineDiff.lines(expected: expected.trimmingTrailingBlankLines, actual: actual.trimmingTrailingBlankLines)
      return lines.joined(separator: "\n")
    }
  }

  public struct FileResult: Sendable {
    public var file: String
    public var commandCount: Int
    public var mismatches: [Mismatch]
    /// The file with its expected outputs replaced by the actual ones.
    public var updatedText: String
  }

  /// Checks `transcript` (read from `file`), its commands reading and writing
  /// files as `files` allows.
  public static func check(
    _ transcript: Transcript, file: String, files: FileAccess, shouldStop: @escaping @Sendable () -> Bool = { false }
  ) -> FileResult {
    var engine = Engine(session: Session(seed: transcript.seed, files: files, shouldStop: shouldStop))
    var mismatches: [Mismatch] = []
    // What --update writes: the expected output where it matched (so `...` and
    // the author's precision survive), the actual output where it did not.
    var kept: [[String]] = []
    for command in transcript.commands {
      let actual = Tokenizer.statements(command.input).flatMap { engine.execute($0).transcriptLines }
      guard !OutputMatcher.matches(expected: command.expected, actual: actual) else {
        kept.append(command.expected)
        continue
      }
      mismatches.append(
        Mismatch(
          file: file, line: command.inputLine + 1, input: command.input, expected: command.expected, actual: actual))
      // Keep a blank line the author left before the closing fence or the next command.
      let trailingBlanks = command.expected.count - command.expected.trimmingTrailingBlankLines.count
      kept.append(actual.trimmingTrailingBlankLines + Array(repeating: "", count: trailingBlanks))
    }
    return FileResult(
      file: file, commandCount: transcript.commands.count, mismatches: mismatches,
      updatedText: transcript.replacingExpectedOutputs(with: kept))
  }
}

/// A line diff by longest common subsequence, where lines are "equal" when
/// `OutputMatcher.lineMatches` accepts them.
enum LineDiff {
  static func lines(expected: [String], actual: [String]) -> [String] {
    let (m, n) = (expected.count, actual.count)
    // common[i][j]: length of the LCS of expected[i...] and actual[j...].
    var common = [[Int]](repeating: [Int](repeating: 0, count: n + 1), count: m + 1)
    for i in stride(from: m - 1, through: 0, by: -1) {
      for j in stride(from: n - 1, through: 0, by: -1) {
        common[i][j] =
          OutputMatcher.lineMatches(expected[i], actual[j])
          ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
      }
    }
    var result: [String] = []
    var (i, j) = (0, 0)
    while i < m || j < n {
      if i < m && j < n && OutputMatcher.lineMatches(expected[i], actual[j]) {
        result.append("  " + actual[j])
        i += 1
        j += 1
      } else if i < m && (j == n || common[i + 1][j] >= common[i][j + 1]) {
        result.append("- " + expected[i])
        i += 1
      } else {
        result.append("+ " + actual[j])
        j += 1
      }
    }
    return result
  }
}
