using TorchSharp;
using static TorchSharp.torch;

namespace Nabla.Tests.Kernels;

/// <summary>
/// libtorch as the oracle for Nabla's GEMM: the same row-major data, the same strides, multiplied by
/// <c>torch.matmul</c> twice — in float32 (the peer) and in float64 (the truth) — plus an error bound.
/// </summary>
internal static class GemmOracle
{
    /// <summary>Deterministic standard-normal-ish data (sum of uniforms), seeded.</summary>
    public static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)(rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5) * 2f;
        return data;
    }

    /// <summary>A [rows, ld] buffer holding a [rows, cols] matrix; the padding columns are NaN, so a
    /// kernel that reads past the row width poisons its result.</summary>
    public static float[] Matrix(int rows, int cols, int ld, int seed)
    {
        float[] values = Random(Math.Max(0, (rows - 1) * ld + cols), seed);
        for (int r = 0; r < rows; r++)
            for (int j = cols; j < ld && r * ld + j < values.Length; j++) values[r * ld + j] = float.NaN;
        return values;
    }

    public record Expected(double[] Exact, double[] Bound, float[] Torch32);

    /// <summary>alpha·op(A)·op(B) + beta·C0 over the [m, n] result (packed, row stride n), in float64 and in
    /// float32 through libtorch, and a rigorous float32 error bound per element:
    /// (k + 2)·u·(|alpha|·(|op(A)|·|op(B)|) + |beta|·|C0|), u = 2⁻²⁴ (Higham, "Accuracy and Stability of
    /// Numerical Algorithms", §3.1).</summary>
    public static Expected Compute(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int lda, float[] b, int ldb, float beta, float[] c0, int ldc)
    {
        using var scope = torch.NewDisposeScope();
        Tensor opA = View(a, transA ? k : m, transA ? m : k, lda, transA);
        Tensor opB = View(b, transB ? n : k, transB ? k : n, ldb, transB);
        Tensor c = View(c0, m, n, ldc, false);
        Tensor cTerm = beta == 0f ? torch.zeros(m, n, float64) : c.to(float64) * beta;
        Tensor exact = torch.matmul(opA.to(float64), opB.to(float64)) * alpha + cTerm;
        Tensor magnitude = torch.matmul(opA.to(float64).abs(), opB.to(float64).abs()) * Math.Abs(alpha)
            + (beta == 0f ? torch.zeros(m, n, float64) : c.to(float64).abs() * Math.Abs(beta));
        Tensor bound = magnitude * ((k + 2) * Math.Pow(2, -24)) + 1e-30;
        Tensor torch32 = torch.matmul(opA, opB) * alpha + (beta == 0f ? torch.zeros(m, n) : c * beta);
        return new Expected(
            exact.contiguous().data<double>().ToArray(),
            bound.contiguous().data<double>().ToArray(),
            torch32.contiguous().data<float>().ToArray());
    }

    /// <summary>op(X) as a torch tensor: X is [rows, cols] with row stride ld; transposed if asked.</summary>
    private static Tensor View(float[] x, int rows, int cols, int ld, bool transpose)
    {
        Tensor t;
        if (rows == 0 || cols == 0) t = torch.zeros(rows, cols);
        else
        {
            var padded = new float[rows * ld];
            Array.Copy(x, padded, Math.Min(x.Length, padded.Length));
            t = torch.tensor(padded, [rows, ld]).narrow(1, 0, cols);
        }
        return transpose ? t.t() : t;
    }

    /// <summary>Asserts the [m, n] result held in <paramref name="c"/> (row stride ldc) is within the error
    /// bound of the exact product, and within twice that of libtorch's float32 result.</summary>
    public static void AssertClose(Expected expected, float[] c, int m, int n, int ldc, string what)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double got = c[i * ldc + j];
                double exact = expected.Exact[i * n + j];
                double bound = expected.Bound[i * n + j];
                if (!(Math.Abs(got - exact) <= bound))
                    Assert.Fail($"{what}: C[{i},{j}] = {got}, exact {exact}, error {Math.Abs(got - exact):E3} > bound {bound:E3}");
                double peer = expected.Torch32[i * n + j];
                if (!(Math.Abs(got - peer) <= 2 * bound))
                    Assert.Fail($"{what}: C[{i},{j}] = {got}, libtorch float32 {peer}, apart by more than {2 * bound:E3}");
            }
        }
    }
}
