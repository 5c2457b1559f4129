import RealModule

/// Standard normal variates by the ziggurat method with 256 layers.
///
/// Each draw takes one 64-bit output: the low 8 bits choose a layer, the top 53 bits
/// a uniform in (-1, 1). About 99% of draws return after one multiply and one
/// comparison; the rest use the wedge test or Marsaglia's exponential tail sampler.
///
/// References: G. Marsaglia and W. W. Tsang, "The ziggurat method for generating
/// random variables", Journal of Statistical Software 5(8), 2000; J. A. Doornik,
/// "An improved ziggurat method to generate normal random samples", 2005 (layer
/// index from bits independent of the uniform).
///
/// The layer tables are built once from `exp`, `log` and `sqrt`; the sampled values
/// depend only on those tables, IEEE arithmetic and the generator, so a seed gives
/// the same numbers on every machine whose libm agrees on these 514 values
/// (a test pins a checksum of the first draws).
public enum NormalSampler {
  /// Right edge of the base layer, and the area of every layer, for 256 layers
  /// (Marsaglia and Tsang 2000, section 3).
  static let tailStart = 3.654_152_885_361_008_8
  static let layerArea = 0.004_928_673_233_99

  /// `layerEdges[i]` is the right edge of layer i (x[0] is the base layer's
  /// equivalent width V / f(R)); `layerDensities[i] = exp(-x[i]^2 / 2)`.
  static let tables: (edges: [Double], densities: [Double]) = {
    func density(_ x: Double) -> Double { Double.exp(-0.5 * x * x) }
    var edges = [Double](repeating: 0, count: 257)
    edges[0] = layerArea / density(tailStart)
    edges[1] = tailStart
    for i in 2..<256 {
      edges[i] = (-2 * Double.log(layerArea / edges[i - 1] + density(edges[i - 1]))).squareRoot()
    }
    edges[256] = 0
    return (edges, edges.map(density))
  }()

  /// One standard normal variate.
  @inline(__always)
  public static func next(using generator: inout Xoshiro256StarStar) -> Double {
    let edges = tables.edges
    let densities = tables.densities
    return edges.withUnsafeBufferPointer { x in
      densities.withUnsafeBufferPointer { f in
        draw(x: x, f: f, using: &generator)
      }
    }
  }

  /// Fills `buffer` with standard normal variates, in order.
  public static func fill(
    _ buffer: UnsafeMutableBufferPointer<Double>, using generator: inout Xoshiro256StarStar
  ) {
    tables.edges.withUnsafeBufferPointer { x in
      tables.densities.withUnsafeBufferPointer { f in
        for index in buffer.indices {
          buffer[index] = draw(x: x, f: f, using: &generator)
        }
      }
    }
  }

  @inline(__always)
  private static func draw(
    x: UnsafeBufferPointer<Double>, f: UnsafeBufferPointer<Double>,
    using generator: inout Xoshiro256StarStar
  ) -> Double {
    while true {
      let bits = generator.next()
      let layer = Int(truncatingIfNeeded: bits & 0xFF)
      // Uniform in (-1, 1) from the top 53 bits; disjoint from the layer bits.
      let u = (Double(bits >> 11) + 0.5) * 0x1p-52 - 1
      let candidate = u * x[layer]
      if abs(candidate) < x[layer + 1] { return candidate }
      if layer == 0 { return tail(sign: u, using: &generator) }
      let height = f[layer + 1] + (f[layer] - f[layer + 1]) * generator.nextUniform()
      if height < Double.exp(-0.5 * candidate * candidate) { return candidate }
    }
  }

  /// Marsaglia's sampler for the tail beyond R: x = -log(U1)/R, accepted when
  /// -2 log(U2) >= x^2 (Marsaglia 1964; Marsaglia and Tsang 2000, section 2).
  private static func tail(sign: Double, using generator: inout Xoshiro256StarStar) -> Double {
    while true {
      let x = -Double.log(generator.nextUniformPositive()) / tailStart
      let y = -Double.log(generator.nextUniformPositive())
      if 2 * y >= x * x { return sign < 0 ? -(tailStart + x) : tailStart + x }
    }
  }
}
