import CBLAS
import Foundation

/// The two element types of vaelab's tensors, each with its BLAS matrix product.
///
/// NeuralNet's loops are generic in this type and `@_specialize`d for Float and
/// Double where they run hot. A generic function called from another module
/// (Lab, on VAE<Float>), from a generic caller (VAE.init, EncoderGradientStudy),
/// or from another file of a debug build (compiled file by file) is not
/// specialised at the call; its pre-specialised body is, and the generic entry
/// jumps to it, where otherwise every add and multiply would go through this
/// protocol's witness table. Each one's doc says which path it serves ("Specialised: ...").
///
/// `gemm` computes C = alpha op(A) op(B) + beta C for row-major matrices, where
/// op(A) is M x K and op(B) is K x N, through OpenBLAS (sgemm, dgemm) or, for
/// the tests' reference, a plain triple loop.
public protocol BLASScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable
where Self.RawSignificand: FixedWidthInteger, Self.SIMD8Storage.Scalar == Self {
  static func blasGEMM(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
    b: UnsafePointer<Self>, ldb: Int, beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
  static func exp(_ x: Self) -> Self
  static func log(_ x: Self) -> Self
  static func logOnePlus(_ x: Self) -> Self
  static func tanh(_ x: Self) -> Self
}

extension Float: BLASScalar {
  public static func blasGEMM(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m),
      Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
  public static func exp(_ x: Float) -> Float { Foundation.expf(x) }
  public static func log(_ x: Float) -> Float { Foundation.logf(x) }
  public static func logOnePlus(_ x: Float) -> Float { Foundation.log1pf(x) }
  public static func tanh(_ x: Float) -> Float { Foundation.tanhf(x) }
}

extension Double: BLASScalar {
  public static func blasGEMM(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
    b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m),
      Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
  public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
  public static func log(_ x: Double) -> Double { Foundation.log(x) }
  public static func logOnePlus(_ x: Double) -> Double { Foundation.log1p(x) }
  public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
}

/// Where matrix products run: OpenBLAS, or the plain-Swift loop the tests compare it with.
public enum MatrixBackend: Sendable {
  case blas
  case reference

  /// C = alpha op(A) op(B) + beta C, row-major.
  @inline(__always)
  public func gemm<S: BLASScalar>(
    transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: S = 1,
    a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, ldb: Int, beta: S = 0, c: UnsafeMutablePointer<S>, ldc: Int
  ) {
    switch self {
    case .blas:
      S.blasGEMM(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
        ldb: ldb, beta: beta, c: c, ldc: ldc)
    case .reference:
      for i in 0..<m {
        for j in 0..<n {
          var sum: S = 0
          for p in 0..<k {
            let x = transposeA ? a[p * lda + i] : a[i * lda + p]
            let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
            sum += x * y
          }
          c[i * ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * ldc + j])
        }
      }
    }
  }

  /// OpenBLAS's worker threads for later products (1 is often fastest for small ones).
  public static var threadCount: Int {
    get { Int(openblas_get_num_threads()) }
    set { openblas_set_num_threads(Int32(newValue)) }
  }

  /// The kernels OpenBLAS runs, by its name for them ("Haswell", "SkylakeX", ...).
  public static var kernels: String {
    guard let name = openblas_get_corename() else { return "unknown" }
    return String(cString: name)
  }
}
