/// "Did you mean": the candidate nearest to a mistyped word by edit distance,
/// if it is near enough to be a plausible typo (after swift-argument-parser's
/// UsageGenerator, which uses the same cut-off idea).
enum Suggestions {
  static func closest(to word: String, in candidates: [String]) -> String? {
    // Up to a third of the word may be wrong, and at least one edit is allowed.
    let cutoff = max(1, word.count / 3)
    // The distance is at least the difference in length: a candidate longer or
    // shorter than that allows is not measured.
    let typed = word.lowercased()
    let scored = candidates.map { ($0, $0.lowercased()) }.filter { abs($0.1.count - typed.count) <= cutoff }.map {
      ($0.0, editDistance(typed, $0.1))
    }
    if let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= cutoff { return best.0 }
    // A prefix of a long name ("samp" for "sample") is also a plausible slip.
    if word.count >= 2, let prefixed = candidates.first(where: { $0.hasPrefix(word) }) { return prefixed }
    return nil
  }

  /// Optimal string alignment distance: Levenshtein's insertions, deletions and
  /// substitutions plus transpositions of neighbours ("hlep" is one edit from
  /// "help"), O(|a| |b|).
  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    // distance[i][j]: distance between the first i characters of a and the first j of b.
    var distance = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { distance[i][0] = i }
    for j in 0...b.count { distance[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        distance[i][j] = min(distance[i - 1][j] + 1, distance[i][j - 1] + 1, distance[i - 1][j - 1] + cost)
        if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
          distance[i][j] = min(distance[i][j], distance[i - 2][j - 2] + 1)
        }
      }
    }
    return distance[a.count][b.count]
  }
}
