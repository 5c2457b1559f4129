/// The xoshiro256** generator of Blackman and Vigna, seeded through SplitMix64.
///
/// vaelab uses its own generator, never the platform's, so that the same seed gives
/// the same numbers on every machine and with every Swift version.
///
/// Reference: D. Blackman and S. Vigna, "Scrambled linear pseudorandom number
/// generators", ACM Transactions on Mathematical Software 47(4), 2021;
/// <https://prng.di.unimi.it/xoshiro256starstar.c>.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
  private var s0: UInt64
  private var s1: UInt64
  private var s2: UInt64
  private var s3: UInt64

  /// Expands `seed` into the 256-bit state with SplitMix64, as the authors recommend,
  /// which never yields the forbidden all-zero state.
  public init(seed: UInt64) {
    var splitMix = seed
    func nextSplitMix() -> UInt64 {
      splitMix &+= 0x9E37_79B9_7F4A_7C15
      var z = splitMix
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = nextSplitMix()
    s1 = nextSplitMix()
    s2 = nextSplitMix()
    s3 = nextSplitMix()
  }

  /// A generator in the given raw state (not all zero), for checking against the reference code.
  init(state: (UInt64, UInt64, UInt64, UInt64)) {
    (s0, s1, s2, s3) = state
  }

  @inline(__always)
  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = s3 << 45 | s3 >> 19
    return result
  }

  /// A uniform double in [0, 1) from the top 53 bits of one output.
  @inline(__always)
  public mutating func nextUniform() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// A uniform double in (0, 1], safe to pass to `log`.
  @inline(__always)
  public mutating func nextUniformPositive() -> Double {
    Double((next() >> 11) + 1) * 0x1p-53
  }
}
