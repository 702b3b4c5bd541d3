using Nabla.Scalar;

namespace Nabla.Tests.Scalar;

public class NetworkTests
{
    [Fact]
    public void MoonsClassifierHas337Parameters()
    {
        var mlp = new MLP(2, [16, 16, 1], seed: 0);
        Assert.Equal(2 * 16 + 16 + 16 * 16 + 16 + 16 + 1, mlp.Parameters().Count);
        Assert.Equal(337, mlp.Parameters().Count);
        Assert.Equal(337, mlp.Parameters().Distinct().Count());
    }

    [Fact]
    public void InitializationIsSeededAndUniformInMinusOneOne()
    {
        double[] first = [.. new MLP(2, [16, 16, 1], seed: 7).Parameters().Select(p => p.Data)];
        double[] again = [.. new MLP(2, [16, 16, 1], seed: 7).Parameters().Select(p => p.Data)];
        double[] other = [.. new MLP(2, [16, 16, 1], seed: 8).Parameters().Select(p => p.Data)];
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.All(first, w => Assert.InRange(w, -1.0, 1.0));
        var mlp = new MLP(2, [16, 16, 1], seed: 7);
        Assert.All(mlp.Layers.SelectMany(l => l.Neurons), n => Assert.Equal(0.0, n.Bias.Data));
    }

    [Fact]
    public void HiddenLayersUseReLUAndTheLastIsLinear()
    {
        var mlp = new MLP(2, [4, 3, 2], seed: 3);
        Assert.True(mlp.Layers[0].Neurons.All(n => n.Nonlinear));
        Assert.True(mlp.Layers[1].Neurons.All(n => n.Nonlinear));
        Assert.True(mlp.Layers[2].Neurons.All(n => !n.Nonlinear));
        Assert.Equal("relu", mlp.Layers[0].Forward([new Value(1), new Value(2)])[0].Op);
    }

    [Fact]
    public void NeuronComputesWeightedSumPlusBias()
    {
        var neuron = new Neuron(3, nonlinear: false, new Random(5));
        neuron.Bias.Data = 0.25;
        double[] x = [1.5, -2.0, 0.5];
        double expected = 0.25 + neuron.Weights.Select((w, i) => w.Data * x[i]).Sum();
        Value output = neuron.Forward([.. x.Select(v => new Value(v))]);
        Assert.Equal(expected, output.Data, 12);

        output.Backward();
        for (int i = 0; i < 3; i++) Assert.Equal(x[i], neuron.Weights[i].Grad, 12); // ∂out/∂wᵢ = xᵢ
        Assert.Equal(1.0, neuron.Bias.Grad);
    }

    [Fact]
    public void ZeroGradClearsEveryParameter()
    {
        var mlp = new MLP(2, [8, 1], seed: 2);
        Value output = mlp.Forward(0.3, -0.7)[0];
        (output * output).Backward();
        Assert.Contains(mlp.Parameters(), p => p.Grad != 0);
        mlp.ZeroGrad();
        Assert.All(mlp.Parameters(), p => Assert.Equal(0.0, p.Grad));
    }

    [Fact]
    public void ParameterGradientsMatchFiniteDifferences()
    {
        var mlp = new MLP(2, [5, 4, 1], seed: 11);
        Value Loss() => (mlp.Forward(0.7, -1.2)[0] - 0.5).Pow(2);
        mlp.ZeroGrad();
        Loss().Backward();
        foreach (Value p in mlp.Parameters())
        {
            double original = p.Data, h = 1e-6;
            p.Data = original + h;
            double up = Loss().Data;
            p.Data = original - h;
            double down = Loss().Data;
            p.Data = original;
            GradientCheck.AssertClose((up - down) / (2 * h), p.Grad, $"of {p.Label}");
        }
    }
}
