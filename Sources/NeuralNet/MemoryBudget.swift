import Foundation

/// The one limit on the memory that input may ask for: a file read whole, the
/// data inflated from a gzip, the values of a data set, a network and its
/// training state. Each is estimated before it is allocated and refused, with the
/// estimate and where the limit comes from, when it exceeds the budget.
///
/// The budget is the least of:
/// - half of physical memory, or what `VAELAB_MEMORY` says instead (bytes, or a
///   number with K, M, G or T, powers of 1024: `VAELAB_MEMORY=4G`). The setting
///   may lower the budget below half of memory or raise it above, but never
///   above the hard limits that follow, past which an allocation does not fail
///   gracefully: the process aborts or is killed;
/// - what the address-space limit (`ulimit -v`, RLIMIT_AS) leaves: the limit,
///   less the address space the process maps now, less a reserve for what no
///   estimate counts (`reserve(threads:)`: what threads map as they start
///   working, and 64 MiB for output and the like). Past the limit, OpenBLAS
///   does not fail but retries its buffer's allocation for ever: the process
///   hangs;
/// - what the data-segment limit (`ulimit -d`, RLIMIT_DATA, which Linux applies
///   to every private writable mapping) leaves, the same way;
/// - what the memory limit of the process's control group (a container's
///   limit: cgroup v2 `memory.max`, v1 `memory.limit_in_bytes`, at every level
///   of its hierarchy) leaves: the limit less the memory in use there, page
///   cache that can be reclaimed not counted.
///
/// The hard limits are read again for every check, not once at start: the
/// process grows (a data set loaded, a model built), and headroom measured
/// while it was small would let a later allocation abort.
public enum MemoryBudget {
  /// The environment variable that sets the budget.
  public static let variable = "VAELAB_MEMORY"

  /// The address space kept free below an address-space or data-segment
  /// limit, for what no estimate counts: 64 MiB, and for each thread but the
  /// first that may start working (OpenBLAS's, one per processor unless
  /// OPENBLAS_NUM_THREADS says fewer, or the system's), 200 MiB: its 128 MiB
  /// OpenBLAS buffer, mapped at its first product, a 64 MiB malloc arena and an
  /// 8 MiB stack. (Measured: on 2 processors the address space grows by 216 MiB
  /// at the first training step beyond what the model's estimate counts.) It
  /// may count threads that run already: a budget on the safe side.
  static func reserve(threads: Int) -> Int { (64 << 20) + max(threads - 1, 0) * (200 << 20) }

  /// A budget in bytes, and where it comes from, for messages.
  public struct Budget: Equatable, Sendable {
    public var bytes: Int
    public var origin: String
  }

  /// A hard limit and what counts against it now, in bytes.
  struct Usage: Equatable {
    var limit: Int
    var used: Int
  }

  /// What bounds the budget, as read at one moment.
  struct Limits: Equatable {
    var physicalMemory: Int
    /// The threads that may work: OpenBLAS's, or the processors if more.
    var threads = 1
    /// `VAELAB_MEMORY`, when it is set to a size.
    var setting: Int?
    /// Why `VAELAB_MEMORY` is not used, when it is set to something else.
    var badSetting: String?
    /// RLIMIT_AS against the mapped address space (VmSize), when limited.
    var addressSpace: Usage?
    /// RLIMIT_DATA against the data segment (VmData), when limited.
    var dataSegment: Usage?
    /// The tightest control-group limit against its use, when limited.
    var controlGroup: Usage?
  }

  /// The budget now.
  public static var current: Budget { budget(for: limitsNow()) }

  /// The least of the limits, named. Ties go to the first: the setting, or half
  /// of memory, then the address space, the data segment, the control group.
  static func budget(for limits: Limits) -> Budget {
    var candidates: [Budget] = []
    if let setting = limits.setting {
      candidates.append(Budget(bytes: setting, origin: "set by \(variable)"))
    } else {
      let reason =
        limits.badSetting.map { ", as \($0)" }
        ?? "; set \(variable), e.g. \(variable)=8G, to change it"
      candidates.append(
        Budget(bytes: max(limits.physicalMemory / 2, 1), origin: "half of this machine's memory" + reason))
    }
    let reserve = reserve(threads: limits.threads)
    candidates += [
      limits.addressSpace.map {
        headroom($0, under: "the address-space limit, ulimit -v,", use: "vaelab already maps", keeping: reserve)
      },
      limits.dataSegment.map {
        headroom($0, under: "the data-segment limit, ulimit -d,", use: "vaelab already uses", keeping: reserve)
      },
      limits.controlGroup.map {
        headroom($0, under: "the memory limit of vaelab's control group (cgroup)", use: "in use there", keeping: 0)
      },
    ].compactMap { $0 }
    var least = candidates[0]
    for candidate in candidates.dropFirst() where candidate.bytes < least.bytes { least = candidate }
    if let setting = limits.setting, setting > least.bytes, least.origin != candidates[0].origin {
      least.origin += "; \(variable) cannot raise it"
    }
    return least
  }

  /// What a hard limit leaves: the limit less what counts against it now and
  /// `kept` bytes kept free, named for messages.
  private static func headroom(_ usage: Usage, under limit: String, use: String, keeping kept: Int) -> Budget {
    let keptText = kept > 0 ? " and \(describe(kept)) kept for its threads and working" : ""
    return Budget(
      bytes: max(usage.limit - usage.used - kept, 0),
      origin: "\(limit) of \(describe(usage.limit)) less the \(describe(usage.used)) \(use)\(keptText)")
  }

  // MARK: The setting

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

  // MARK: Reading the limits

  /// The limits as they are now.
  static func limitsNow() -> Limits {
    var limits = Limits(
      physicalMemory: Int(clamping: ProcessInfo.processInfo.physicalMemory),
      threads: max(MatrixBackend.threadCount, ProcessInfo.processInfo.activeProcessorCount))
    if let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty {
      if let value = parse(text) {
        limits.setting = value
      } else {
        limits.badSetting = "\(variable)='\(UntrustedText.visible(text, limit: 40))' is not a size such as 512M or 8G"
      }
    }
    let status = processStatus()
    if let mapped = status["VmSize"], let limit = softLimit(addressSpace: true) {
      limits.addressSpace = Usage(limit: limit, used: mapped)
    }
    if let data = status["VmData"], let limit = softLimit(addressSpace: false) {
      limits.dataSegment = Usage(limit: limit, used: data)
    }
    limits.controlGroup = controlGroupUsage(
      membership: (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? "")
    return limits
  }

  /// The soft RLIMIT_AS (or RLIMIT_DATA) in bytes; nil when unlimited.
  static func softLimit(addressSpace: Bool) -> Int? {
    var limit = rlimit()
    #if canImport(Glibc)
      let resource = __rlimit_resource_t((addressSpace ? RLIMIT_AS : RLIMIT_DATA).rawValue)
    #else
      let resource = addressSpace ? RLIMIT_AS : RLIMIT_DATA
    #endif
    guard getrlimit(resource, &limit) == 0, limit.rlim_cur != rlim_t.max, limit.rlim_cur < 1 << 62 else {
      return nil
    }
    return Int(limit.rlim_cur)
  }

  /// The `kB` fields of /proc/self/status in bytes (VmSize, VmData, ...); empty
  /// where there is no /proc.
  static func processStatus() -> [String: Int] {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return [:] }
    var fields: [String: Int] = [:]
    for line in text.split(separator: "\n") {
      let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" })
      guard parts.count == 3, parts[2] == "kB", let kilobytes = Int(parts[1]), kilobytes < 1 << 50 else { continue }
      fields[String(parts[0])] = kilobytes * 1024
    }
    return fields
  }

  /// The tightest memory limit over the control groups in `membership` (the text
  /// of /proc/self/cgroup) and their ancestors, under `root`: the one that
  /// leaves least, with the memory in use there. cgroup v2 (`0::/path`):
  /// memory.max ("max": none), memory.current, and memory.stat's file and shmem;
  /// v1 (`N:...memory...:/path`, under root/memory): memory.limit_in_bytes,
  /// memory.usage_in_bytes, and memory.stat's total_cache and total_shmem. Page
  /// cache is reclaimed before the limit is enforced, so it is not counted as
  /// used; shared memory (tmpfs) is. Nil when no level has a limit.
  static func controlGroupUsage(membership: String, root: String = "/sys/fs/cgroup") -> Usage? {
    var tightest: Usage?
    for line in membership.split(separator: "\n") {
      let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard fields.count == 3, fields[2].hasPrefix("/") else { continue }
      let version2 = fields[0] == "0" && fields[1].isEmpty
      guard version2 || fields[1].split(separator: ",").contains("memory") else { continue }
      let base = version2 ? root : root + "/memory"
      var components = fields[2].split(separator: "/").map(String.init)
      while true {
        let directory = base + components.map { "/" + $0 }.joined()
        if let usage = controlGroupLevel(directory, version2: version2),
          usage.limit - usage.used < (tightest.map { $0.limit - $0.used } ?? .max)
        {
          tightest = usage
        }
        if components.isEmpty { break }
        components.removeLast()
      }
    }
    return tightest
  }

  /// One control group's limit and use; nil when it has none.
  private static func controlGroupLevel(_ directory: String, version2: Bool) -> Usage? {
    func read(_ name: String) -> String? {
      (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8))?.trimmingCharacters(
        in: .whitespacesAndNewlines)
    }
    let (limitFile, usageFile) =
      version2 ? ("memory.max", "memory.current") : ("memory.limit_in_bytes", "memory.usage_in_bytes")
    // v1 writes "no limit" as the largest page-aligned count, about 2^63.
    guard let limit = read(limitFile).flatMap({ Int($0) }), limit < 1 << 62 else { return nil }
    let usage = read(usageFile).flatMap { Int($0) } ?? 0
    var statistics: [String: Int] = [:]
    for line in (read("memory.stat") ?? "").split(separator: "\n") {
      let parts = line.split(separator: " ")
      if parts.count == 2, let value = Int(parts[1]) { statistics[String(parts[0])] = value }
    }
    let (file, shmem) = version2 ? ("file", "shmem") : ("total_cache", "total_shmem")
    let reclaimable = max((statistics[file] ?? 0) - (statistics[shmem] ?? 0), 0)
    return Usage(limit: limit, used: min(max(usage - reclaimable, 0), limit))
  }

  // MARK: Messages

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

  /// Nil when `bytes` (nil: beyond any count) fits the budget now; else why
  /// `what` is refused: "WHAT needs about N, more than vaelab's memory budget of
  /// B (where B comes from)". The limits are read once for both.
  public static func refusal(_ bytes: Int?, for what: String) -> String? {
    refusal(bytes, for: what, within: current)
  }

  /// `refusal` against a given budget.
  static func refusal(_ bytes: Int?, for what: String, within budget: Budget) -> String? {
    if let bytes, bytes <= budget.bytes { return nil }
    let needs = bytes.map { "about \(describe($0))" } ?? "more bytes than a 64-bit count holds"
    return "\(what) needs \(needs), more than vaelab's memory budget of \(describe(budget.bytes)) (\(budget.origin))"
  }
}
