using Nabla.Scalar;

namespace Nabla.Tests.Scalar;

/// <summary>Compares Backward()'s gradients with central finite differences (f(x+h) - f(x-h)) / 2h.</summary>
internal static class GradientCheck
{
    private const double Step = 1e-6;

    /// <summary>Asserts that d f(x)/dx by Backward matches the central difference at each point.</summary>
    public static void Unary(Func<Value, Value> f, double x)
    {
        var leaf = new Value(x);
        Value output = f(leaf);
        output.Backward();
        double numeric = (f(new Value(x + Step)).Data - f(new Value(x - Step)).Data) / (2 * Step);
        AssertClose(numeric, leaf.Grad, $"at x = {x}");
    }

    /// <summary>Both partial derivatives of f(a, b).</summary>
    public static void Binary(Func<Value, Value, Value> f, double a, double b)
    {
        var left = new Value(a);
        var right = new Value(b);
        f(left, right).Backward();
        double numericA = (f(new Value(a + Step), new Value(b)).Data - f(new Value(a - Step), new Value(b)).Data) / (2 * Step);
        double numericB = (f(new Value(a), new Value(b + Step)).Data - f(new Value(a), new Value(b - Step)).Data) / (2 * Step);
        AssertClose(numericA, left.Grad, $"d/da at ({a}, {b})");
        AssertClose(numericB, right.Grad, $"d/db at ({a}, {b})");
    }

    public static void AssertClose(double expected, double actual, string where, double tolerance = 1e-6)
    {
        double error = Math.Abs(expected - actual) / Math.Max(1, Math.Abs(expected));
        Assert.True(error <= tolerance, $"gradient {where}: finite difference {expected}, Backward {actual} (relative error {error:E2})");
    }
}
