import Foundation

/// The one limit on the memory that input may ask for: a file read whole, the
/// data inflated from a gzip, the values of a data set, a network and its
/// training state. Each is estimated before it is allocated and refused, with the
/// estimate, when it exceeds the budget.
///
/// The budget is half of physical memory, or what the environment variable
/// `VAELAB_MEMORY` says: bytes, or a number with K, M, G or T (powers of 1024),
/// e.g. `VAELAB_MEMORY=4G`. Anything else stops vaelab at start
/// (`settingProblem`).
public enum MemoryBudget {
  /// The environment variable that sets the budget.
  public static let variable = "VAELAB_MEMORY"

  /// The budget in bytes.
  public static let bytes: Int = configured.bytes

  /// Where the budget comes from, for messages.
  public static let origin: String = configured.origin

  private static let configured: (bytes: Int, origin: String) = {
    let half = Int(clamping: ProcessInfo.processInfo.physicalMemory / 2)
    guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else {
      return (half, "half of this machine's memory; set \(variable), e.g. \(variable)=8G, to change it")
    }
    guard let value = parse(text) else {
      return (half, "half of this machine's memory, as \(variable)='\(text)' is not a size such as 512M or 8G")
    }
    return (value, "set by \(variable)")
  }()

  /// A size: bytes, or a number followed by K, M, G or T (powers of 1024, an
  /// optional B or iB after), in decimal digits with an optional fraction
  /// (`1.5G`). Nil for anything else (`1e3`, `0x10`, `2 G`, `-1`), for zero,
  /// and for sizes of 2^62 bytes or more.
  public static func parse(_ text: String) -> Int? {
    var number = text.trimmingCharacters(in: .whitespaces).uppercased()
    for suffix in ["IB", "B"] where number.hasSuffix(suffix) && number.count > suffix.count {
      number.removeLast(suffix.count)
      break
    }
    let scales: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
    var scale = 1.0
    if let last = number.last, let factor = scales[last] {
      scale = factor
      number.removeLast()
    }
    let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { ("0"..."9").contains($0) } }),
      let value = Double(number), value > 0, value * scale < 0x1p62
    else { return nil }
    return Int((value * scale).rounded(.up))
  }

  /// Nil when `VAELAB_MEMORY` is unset, empty (as unset) or a size; else the
  /// error to stop at: a value that is not a size would otherwise be ignored,
  /// and the user would believe a budget that is not in force. The value is
  /// shown with control characters made visible and cut short.
  public static func settingProblem(in environment: [String: String] = ProcessInfo.processInfo.environment)
    -> String?
  {
    guard let text = environment[variable], !text.isEmpty, parse(text) == nil else { return nil }
    return
      "\(variable)='\(UntrustedText.visible(text, limit: 40))' is not a size: give bytes, or a number with K, M, G or T (powers of 1024), such as 512M or 8G"
  }

  /// `bytes` as people read it: 512 bytes, 3.2 KiB, 1.5 GiB.
  public static func describe(_ bytes: Int) -> String {
    let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    guard bytes >= 1024 else { return "\(bytes) bytes" }
    var value = Double(bytes) / 1024
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return String(format: "%.1f", value) + " " + units[unit]
  }

  /// Nil when `bytes` (nil: beyond any count) fits the budget; else why `what` is
  /// refused: "WHAT needs about N, more than vaelab's memory budget of B (...)".
  public static func refusal(_ bytes: Int?, for what: String) -> String? {
    if let bytes, bytes <= self.bytes { return nil }
    let needs = bytes.map { "about \(describe($0))" } ?? "more bytes than a 64-bit count holds"
    return "\(what) needs \(needs), more than vaelab's memory budget of \(describe(self.bytes)) (\(origin))"
  }
}
