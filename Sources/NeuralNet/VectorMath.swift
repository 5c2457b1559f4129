/// exp and log1p for eight Floats at a time, so the loss's per-pixel work
/// vectorises. Polynomials and range reductions from Cephes (S. L. Moshier,
/// expf.c and logf.c, 1984-2000); accuracy about 1-2 ulp, checked against libm
/// in the tests.
enum VectorMath {
  typealias Lanes = SIMD8<Float>

  /// 1.5 * 2^23: adding it to |v| < 2^22 leaves round(v) in the significand's low bits.
  static let magic: Float = 12_582_912
  static let magicBits = SIMD8<Int32>(repeating: 0x4B40_0000)

  /// e^x for x <= 0 (the only case the loss needs); 0 below -87.
  @inline(__always)
  static func exp(_ x: Lanes) -> Lanes {
    let clamped = x.replacing(with: -87, where: x .< -87)
    // x = n ln 2 + r, |r| <= ln2 / 2, with ln 2 split in two for accuracy. Adding
    // 1.5 * 2^23 rounds to an integer held in the low bits: no per-lane conversions.
    let shifted = clamped * 1.442_695_04 + magic
    let n = shifted - magic
    var r = clamped - n * 0.693_359_375
    r = r + n * 2.121_944_4e-4
    let r2 = r * r
    var p: Lanes = Lanes(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    let expR = p * r2 + r + 1
    // Multiply by 2^n through the exponent bits: n sits in the low bits of `shifted`.
    let bits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- magicBits &+ 127) &<< 23
    let scale = unsafeBitCast(bits, to: Lanes.self)
    return (expR * scale).replacing(with: 0, where: x .< -87)
  }

  /// log(1 + u) for u in [0, 1], given r = 1 / (1 + u) (which the loss needs
  /// for the sigmoid anyway): log of w = 1 + u, corrected by (u - (w - 1)) r
  /// for the rounding of 1 + u, which keeps tiny u accurate. As w is in [1, 2],
  /// the range reduction is one comparison: w = m 2^e with e = 1 above sqrt(2).
  @inline(__always)
  static func logOnePlus(_ u: Lanes, reciprocal r: Lanes) -> Lanes {
    let w = 1 + u
    let correction = (u - (w - 1)) * r
    let large = w .> 1.414_213_562_373_095_05
    let m = w.replacing(with: 0.5 * w, where: large)
    let e = Lanes(repeating: 0).replacing(with: 1, where: large)
    let x = m - 1
    let z = x * x
    var y: Lanes = Lanes(repeating: 7.037_683_629_2e-2)
    y = y * x - 1.151_461_031_0e-1
    y = y * x + 1.167_699_874_0e-1
    y = y * x - 1.242_014_084_6e-1
    y = y * x + 1.424_932_278_7e-1
    y = y * x - 1.666_805_766_5e-1
    y = y * x + 2.000_071_476_5e-1
    y = y * x - 2.499_999_399_3e-1
    y = y * x + 3.333_333_117_4e-1
    y = y * x * z
    y = y - 2.121_944_40e-4 * e
    y = y - 0.5 * z
    return x + y + 0.693_359_375 * e + correction
  }
}
