using Nabla.Scalar;

namespace Nabla.Tests.Scalar;

/// <summary>Every operation's backward rule against a central finite difference.</summary>
public class GradientTests
{
    [Theory]
    [InlineData(-2.5, 0.75)]
    [InlineData(3.0, -4.0)]
    [InlineData(0.1, 7.0)]
    public void BinaryOperators(double a, double b)
    {
        GradientCheck.Binary((x, y) => x + y, a, b);
        GradientCheck.Binary((x, y) => x - y, a, b);
        GradientCheck.Binary((x, y) => x * y, a, b);
        GradientCheck.Binary((x, y) => x / y, a, b);
        GradientCheck.Binary((x, y) => (x * y + x / y - y).Tanh(), a, b);
    }

    [Theory]
    [InlineData(-1.3)]
    [InlineData(0.4)]
    [InlineData(2.2)]
    public void NumbersOnEitherSide(double x)
    {
        GradientCheck.Unary(v => v + 3.0, x);
        GradientCheck.Unary(v => 3.0 + v, x);
        GradientCheck.Unary(v => v - 3.0, x);
        GradientCheck.Unary(v => 3.0 - v, x);
        GradientCheck.Unary(v => v * -2.5, x);
        GradientCheck.Unary(v => -2.5 * v, x);
        GradientCheck.Unary(v => v / 4.0, x);
        GradientCheck.Unary(v => 4.0 / v, x);
        GradientCheck.Unary(v => -v, x);
    }

    [Theory]
    [InlineData(-3.0)]
    [InlineData(-0.2)]
    [InlineData(0.3)]
    [InlineData(1.7)]
    [InlineData(25.0)]
    [InlineData(-25.0)]
    public void Activations(double x)
    {
        GradientCheck.Unary(v => v.Exp(), Math.Clamp(x, -5, 5));
        GradientCheck.Unary(v => v.Tanh(), x);
        GradientCheck.Unary(v => v.Relu(), x);
        GradientCheck.Unary(v => v.Sigmoid(), x);
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.5)]
    [InlineData(3.0)]
    public void Log(double x) => GradientCheck.Unary(v => v.Log(), x);

    [Theory]
    [InlineData(2.0, 2.0)]
    [InlineData(1.5, 3.0)]
    [InlineData(-1.5, 3.0)]   // odd integer power of a negative base
    [InlineData(-2.0, 2.0)]
    [InlineData(-1.5, -2.0)]  // negative integer power of a negative base
    [InlineData(2.0, -1.0)]
    [InlineData(4.0, 0.5)]
    [InlineData(0.7, -2.5)]
    [InlineData(3.0, 1.0)]
    [InlineData(3.0, 0.0)]
    public void Pow(double x, double n) => GradientCheck.Unary(v => v.Pow(n), x);

    [Fact]
    public void PowEdgeCasesAtZero()
    {
        // x⁰ = 1 everywhere, so its derivative is 0, also at 0 where n·xⁿ⁻¹ would be 0·∞ = NaN.
        var x = new Value(0.0);
        Value y = x.Pow(0);
        y.Backward();
        Assert.Equal(1.0, y.Data);
        Assert.Equal(0.0, x.Grad);

        // x¹ has derivative 1 at 0 (n·x⁰ = 1), x² has 0.
        var x1 = new Value(0.0);
        x1.Pow(1).Backward();
        Assert.Equal(1.0, x1.Grad);
        var x2 = new Value(0.0);
        x2.Pow(2).Backward();
        Assert.Equal(0.0, x2.Grad);
    }

    [Fact]
    public void ReLUHasZeroGradientBelowZeroAndOneAbove()
    {
        var below = new Value(-0.5);
        below.Relu().Backward();
        var above = new Value(0.5);
        above.Relu().Backward();
        Assert.Equal(0.0, below.Grad);
        Assert.Equal(1.0, above.Grad);
    }

    [Fact]
    public void SigmoidIsFiniteFarFromZero()
    {
        var x = new Value(-800);
        Value s = x.Sigmoid();
        s.Backward();
        Assert.Equal(0.0, s.Data, 12);
        Assert.True(double.IsFinite(x.Grad));
        Assert.Equal(1.0, new Value(800).Sigmoid().Data, 12);
    }

    [Theory]
    [InlineData(1.7)]
    [InlineData(-0.6)]
    public void AValueUsedTwiceAccumulatesBothUses(double x)
    {
        GradientCheck.Unary(v => v + v, x);          // 2
        GradientCheck.Unary(v => v * v, x);          // 2x
        GradientCheck.Unary(v => v - v, x);          // 0
        GradientCheck.Unary(v => v / v, x);          // 0
        GradientCheck.Unary(v => v * v * v + v.Exp() * v, x);

        var a = new Value(x);
        (a * a).Backward();
        Assert.Equal(2 * x, a.Grad, 12);
        var b = new Value(x);
        (b + b).Backward();
        Assert.Equal(2.0, b.Grad);
    }

    [Fact]
    public void CompositeExpression()
    {
        GradientCheck.Binary((a, b) => ((a * b).Sigmoid() + (a - b).Pow(2).Log() - (a / b).Tanh()).Exp(), 0.8, -1.9);
        GradientCheck.Binary((a, b) => (a.Relu() * b + (b * b + 1).Pow(0.5)) / (1 + a.Pow(2)), 1.2, 0.4);
    }
}
