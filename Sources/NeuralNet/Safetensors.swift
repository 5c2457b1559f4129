import Foundation
import Probability

/// Checkpoints in the safetensors format (huggingface/safetensors): an 8-byte
/// little-endian header length, a JSON header naming each tensor's dtype, shape
/// and byte range, then the tensors' raw little-endian bytes. Tensor names are
/// pytorch/examples' (`fc1.weight`, ...), so
/// `model.load_state_dict(safetensors.torch.load_file(path))` loads a vaelab VAE
/// into that example's model. The configuration and anything else the shell
/// needs travel as strings in `__metadata__`.
public enum Safetensors {
  public struct Checkpoint {
    public var model: VAE<Float>
    /// Everything in `__metadata__` besides the configuration.
    public var metadata: [String: String]
  }

  static let configurationKey = "vaelab_config"
  /// Headers larger than this are refused rather than read into memory.
  static let largestHeader = 16 << 20

  /// The file's bytes for `model`, with `metadata` added to `__metadata__`.
  /// The header is written first, from the tensors' sizes, and the values are
  /// appended to the one array that is returned: saving takes one copy of the
  /// weights (what the memory estimate counts for it), not three.
  public static func encode(_ model: VAE<Float>, metadata: [String: String] = [:]) -> [UInt8] {
    var header: [String: Any] = [:]
    var meta = metadata
    meta["format"] = "pt"
    // Sorted keys: the same model always gives the same bytes.
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    if let configuration = try? encoder.encode(model.configuration) {
      meta[configurationKey] = String(decoding: configuration, as: UTF8.self)
    }
    header["__metadata__"] = meta
    var dataCount = 0
    for (name, layer) in model.layers {
      for (suffix, count, shape) in [
        ("weight", layer.weight.count, [layer.outputs, layer.inputs]), ("bias", layer.bias.count, [layer.outputs]),
      ] {
        header["\(name).\(suffix)"] = [
          "dtype": "F32", "shape": shape, "data_offsets": [dataCount, dataCount + 4 * count],
        ]
        dataCount += 4 * count
      }
    }
    var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])).map(Array.init) ?? []
    while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }  // align the data to 8 bytes
    var bytes: [UInt8] = []
    bytes.reserveCapacity(8 + json.count + dataCount)
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes += json
    for (_, layer) in model.layers {
      for values in [layer.weight, layer.bias] {
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
      }
    }
    return bytes
  }

  /// The most `__metadata__` entries a checkpoint may have (vaelab writes 9).
  public static let largestMetadataCount = 64
  /// The longest `__metadata__` key, in characters (Unicode scalars).
  public static let longestMetadataKey = 128
  /// The longest `__metadata__` value, in characters (Unicode scalars): room
  /// for a data file's path and the configuration's JSON (under 300).
  public static let longestMetadataValue = 1024

  /// Refuses metadata that could not be printed safely: the data set's name,
  /// the label column and the optimiser's settings reach the shell's output and
  /// its error messages as they are, and a checkpoint is anyone's file. Each key
  /// and value must be one line of printable text (no control characters, C0,
  /// DEL or C1, no line or paragraph separators, no invisible formatting
  /// characters such as bidirectional overrides), keys at most
  /// `longestMetadataKey` characters and values at most `longestMetadataValue`,
  /// and there may be at most `largestMetadataCount` entries. The error names
  /// the key (made visible itself when it is the one at fault), what is wrong,
  /// and the value with its control characters escaped and cut short.
  /// `vae save` checks what it writes the same way.
  public static func validate(metadata: [String: String]) throws(CheckpointError) {
    guard metadata.count <= largestMetadataCount else {
      throw .malformed(
        "its __metadata__ has \(metadata.count) entries, more than the \(largestMetadataCount) vaelab reads")
    }
    for key in metadata.keys.sorted() {
      if let problem = UntrustedText.problem(key, limit: longestMetadataKey) {
        throw .malformed(
          "its __metadata__ key \(UntrustedText.quoted(key)) is not one line of at most \(longestMetadataKey) printable characters: \(problem)"
        )
      }
      if let value = metadata[key], let problem = UntrustedText.problem(value, limit: longestMetadataValue) {
        throw .malformed(
          "its __metadata__ value of \(key) is not one line of at most \(longestMetadataValue) printable characters: \(problem): \(UntrustedText.quoted(value))"
        )
      }
    }
  }

  /// A model from a file's bytes, or an error that says what is wrong with it.
  /// `shouldStop` is asked while the model is made and between its tensors:
  /// `.interrupted` when it says stop.
  public static func decode(_ bytes: [UInt8], shouldStop: () -> Bool = { false }) throws(CheckpointError)
    -> Checkpoint
  {
    guard bytes.count >= 8 else {
      throw .malformed("it is \(bytes.count) bytes long, shorter than a safetensors header")
    }
    let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) {
      $0 | UInt64($1.element) << (8 * UInt64($1.offset))
    }
    guard headerLength <= UInt64(min(largestHeader, bytes.count - 8)) else {
      // The length is not echoed: the file may be anything (a password file's first 8 bytes).
      throw .malformed(
        "it is not a safetensors file: its first 8 bytes, read as the length of its header, point past the end of the file or beyond the \(largestHeader >> 20) MiB a header may have"
      )
    }
    let dataStart = 8 + Int(headerLength)
    guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) as? [String: Any] else {
      throw .malformed("its header is not a JSON object")
    }
    let metadata = header["__metadata__"] as? [String: String]
    try validate(metadata: metadata ?? [:])
    guard let metadata, let configurationText = metadata[configurationKey] else {
      throw .notVaelab("it has no \(configurationKey) in __metadata__, so it was not written by vaelab")
    }
    // The ranges `vae new` accepts: a checkpoint asks for nothing the shell would not build.
    guard let configuration = try? JSONDecoder().decode(VAEConfiguration.self, from: Data(configurationText.utf8)),
      (1...100_000).contains(configuration.inputs), (1...8).contains(configuration.hidden.count),
      configuration.hidden.allSatisfy({ (1...4096).contains($0) }), (1...256).contains(configuration.latent),
      (0...1000).contains(configuration.beta), (1e-6...1e6).contains(configuration.variance)
    else {
      throw .notVaelab(
        "its \(configurationKey) is not a configuration vae new would build (at most 8 hidden layers of 4096, latent 256, beta from 0 to 1000, variance from 1e-6 to 1e6)"
      )
    }
    // Every weight is stored in the file: a configuration larger than the file is refused
    // before anything is allocated for it.
    guard 4 * configuration.parameterCount <= bytes.count - dataStart else {
      throw .malformed(
        "its configuration needs \(configuration.parameterCount) float32 values but the file holds \((bytes.count - dataStart) / 4) (is it truncated?)"
      )
    }
    if let refusal = MemoryBudget.refusal(
      configuration.trainingBytes(batchSize: 1), for: "its model of \(configuration.parameterCount) parameters")
    {
      throw .tooLarge(refusal)
    }
    var generator = Xoshiro256StarStar(seed: 0)  // the weights are replaced below
    let model: VAE<Float>
    do throws(Interrupted) {
      model = try VAE<Float>(configuration, generator: &generator, shouldStop: shouldStop)
    } catch {
      throw .interrupted
    }
    for (name, layer) in model.layers {
      if shouldStop() { throw .interrupted }
      layer.weight = try tensor(
        "\(name).weight", shape: [layer.outputs, layer.inputs], header: header, bytes: bytes, dataStart: dataStart)
      layer.bias = try tensor(
        "\(name).bias", shape: [layer.outputs], header: header, bytes: bytes, dataStart: dataStart)
    }
    // NaN or infinite weights would train to NaN at once: refused as the file's fault, not the learning rate's.
    for (name, layer) in model.layers where !(layer.weight + layer.bias).allSatisfy(\.isFinite) {
      throw .malformed("tensor \(name) holds NaN or infinite values")
    }
    return Checkpoint(model: model, metadata: metadata.filter { $0.key != configurationKey && $0.key != "format" })
  }

  static func tensor(
    _ name: String, shape: [Int], header: [String: Any], bytes: [UInt8], dataStart: Int
  ) throws(CheckpointError) -> [Float] {
    guard let entry = header[name] as? [String: Any] else { throw .malformed("tensor \(name) is missing") }
    // What the file says is shown made visible: it is anyone's text.
    guard let dtype = entry["dtype"] as? String, dtype == "F32" else {
      let given =
        entry["dtype"] == nil
        ? "none" : (entry["dtype"] as? String).map { UntrustedText.quoted($0) } ?? "that is not a string"
      throw .malformed("tensor \(name) has dtype \(given); vaelab reads F32")
    }
    guard let actualShape = entry["shape"] as? [Int], actualShape == shape else {
      let given =
        entry["shape"] == nil
        ? "none" : (entry["shape"] as? [Int]).map { "\($0)" } ?? "that is not a list of whole numbers"
      throw .malformed("tensor \(name) has shape \(given), not \(shape) as its configuration says")
    }
    // Checked so that no offset in the file can overflow the arithmetic: begin <= end <= the data's length.
    let count = shape.reduce(1, *)
    guard let offsets = entry["data_offsets"] as? [Int], offsets.count == 2, offsets[0] >= 0,
      offsets[1] >= offsets[0], offsets[1] <= bytes.count - dataStart, offsets[1] - offsets[0] == 4 * count
    else { throw .malformed("tensor \(name)'s data_offsets do not fit the file (is it truncated?)") }
    let start = dataStart + offsets[0]
    return (0..<count).map { index in
      let base = start + 4 * index
      let bits = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[base + $1]) << (8 * UInt32($1)) }
      return Float(bitPattern: bits)
    }
  }
}

/// Why a checkpoint was refused.
public enum CheckpointError: Error, Equatable, Sendable {
  case malformed(String)
  case notVaelab(String)
  /// Its model would not fit the memory budget.
  case tooLarge(String)
  /// Loading was asked to stop (Ctrl-C).
  case interrupted

  public var reason: String {
    switch self {
    case .malformed(let reason), .notVaelab(let reason), .tooLarge(let reason): reason
    case .interrupted: "loading was interrupted (Ctrl-C)"
    }
  }
}

/// Text from outside vaelab (a checkpoint's metadata, an environment
/// variable) on its way into output and error messages, where a line break
/// would forge a line of output (or of a saved notebook) and an escape
/// sequence would drive the terminal.
enum UntrustedText {
  /// The line breaks: LF, VT, FF, CR, NEL, and the line and paragraph separators.
  static let lineBreaks: Set<UInt32> = [0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029]

  /// What kind of unprintable character `scalar` is, or nil for a printable one.
  static func kind(of scalar: Unicode.Scalar) -> String? {
    if lineBreaks.contains(scalar.value) { return "a line break" }
    switch scalar.properties.generalCategory {
    case .control: return "a control character"
    case .format: return "an invisible formatting character"
    case .lineSeparator, .paragraphSeparator: return "a line break"
    default: return nil
    }
  }

  /// Why `text` is not one line of at most `limit` printable characters
  /// (Unicode scalars), or nil when it is: "it has 5000 characters", "it
  /// holds a line break (U+000A) at character 7".
  static func problem(_ text: String, limit: Int) -> String? {
    var count = 0
    for scalar in text.unicodeScalars {
      count += 1
      if let kind = kind(of: scalar) {
        let code = String(scalar.value, radix: 16, uppercase: true)
        return
          "it holds \(kind) (U+\(String(repeating: "0", count: max(4 - code.count, 0)) + code)) at character \(count)"
      }
    }
    return count > limit ? "it has \(count) characters" : nil
  }

  /// `text` with every unprintable character written as an escape (`\n`,
  /// `\r`, `\t`, else `\u{1B}`) and backslashes doubled, so that what is shown
  /// is one line that reads back unambiguously; cut after `limit` characters
  /// with "...".
  static func visible(_ text: String, limit: Int) -> String {
    var shown = ""
    for (index, scalar) in text.unicodeScalars.enumerated() {
      if index == limit {
        shown += "..."
        break
      }
      switch scalar {
      case "\\": shown += "\\\\"
      case "\n": shown += "\\n"
      case "\r": shown += "\\r"
      case "\t": shown += "\\t"
      default:
        shown += kind(of: scalar) == nil ? String(scalar) : "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
      }
    }
    return shown
  }

  /// `visible`, in double quotes, with the quotes inside escaped; 40 characters at most.
  static func quoted(_ text: String, limit: Int = 40) -> String {
    "\"" + visible(text, limit: limit).replacingOccurrences(of: "\"", with: "\\\"") + "\""
  }
}
