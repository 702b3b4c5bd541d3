using Nabla.Scalar;

namespace Nabla.Tests.Scalar;

/// <summary>Operations that would produce NaN or infinity throw, naming the operation and the operand.</summary>
public class BadInputTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.5)]
    [InlineData(double.NaN)]
    public void LogOfANonPositiveValue(double x)
    {
        var operand = new Value(x, "x");
        var error = Assert.Throws<ArgumentException>(() => operand.Log());
        Assert.StartsWith("Log:", error.Message);
        Assert.Contains("'x'", error.Message);
        Assert.Contains(x.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    [Fact]
    public void DivisionByZero()
    {
        var a = new Value(3.0, "a");
        var b = new Value(0.0, "b");
        var error = Assert.Throws<DivideByZeroException>(() => a / b);
        Assert.StartsWith("Div:", error.Message);
        Assert.Contains("'b'", error.Message);
        Assert.Contains("'a'", error.Message);

        Assert.Throws<DivideByZeroException>(() => a / 0.0);
        Assert.Throws<DivideByZeroException>(() => 1.0 / b);
    }

    [Fact]
    public void PowGivingNaN()
    {
        var x = new Value(-8.0, "x");
        var error = Assert.Throws<ArgumentException>(() => x.Pow(1.0 / 3));
        Assert.StartsWith("Pow:", error.Message);
        Assert.Contains("'x'", error.Message);
        Assert.Contains("-8", error.Message);
        Assert.Contains("NaN", error.Message);
    }

    [Fact]
    public void PowOfZeroToANegativePowerDividesByZero()
    {
        var x = new Value(0.0, "x");
        var error = Assert.Throws<DivideByZeroException>(() => x.Pow(-1));
        Assert.StartsWith("Pow:", error.Message);
        Assert.Contains("'x'", error.Message);
    }

    [Fact]
    public void OverflowIsReportedNotSilentlyInfinite()
    {
        Assert.StartsWith("Exp:", Assert.Throws<OverflowException>(() => new Value(1000).Exp()).Message);
        Assert.StartsWith("Pow:", Assert.Throws<OverflowException>(() => new Value(1e200).Pow(2)).Message);
    }

    [Fact]
    public void NetworksRejectTheWrongNumberOfInputs()
    {
        var mlp = new MLP(2, [3, 1], seed: 1);
        var error = Assert.Throws<ArgumentException>(() => mlp.Forward(1.0, 2.0, 3.0));
        Assert.Contains("expected 2 inputs, got 3", error.Message);
    }
}
