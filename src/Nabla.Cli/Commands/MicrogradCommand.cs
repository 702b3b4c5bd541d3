using System.CommandLine;
using System.Globalization;
using Nabla.Scalar;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla micrograd</c>: micrograd's demo. Trains an MLP 2-16-16-1 on two moons with the scalar
/// autograd engine, one progress line per step, and optionally draws a computation graph and the
/// learned decision boundary.
/// </summary>
internal static class MicrogradCommand
{
    /// <summary>Upper bounds of --points (the scalar graph of one step takes about 100 KB per point: 10,000 points
    /// take about 1 GB) and of --steps (time only).</summary>
    public const int MaxPoints = 10_000, MaxSteps = 100_000;

    public static Command Create()
    {
        var defaults = new MoonsOptions();
        var steps = new Option<int>("--steps")
        {
            Description = $"Training steps (full batch, 1 to {MaxSteps:N0}); the learning rate goes linearly from {defaults.StartLearningRate} to {defaults.EndLearningRate} over them",
            DefaultValueFactory = _ => defaults.Steps,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the dataset (the initial weights use seed + 1)",
            DefaultValueFactory = _ => MoonsOptions.DefaultSeed,
        };
        var points = new Option<int>("--points")
        {
            Description = $"Number of two-moons points (2 to {MaxPoints:N0}: each holds about 100 KB of graph per step)",
            DefaultValueFactory = _ => defaults.Points,
        };
        var graph = new Option<string?>("--graph")
        {
            Description = "Write the computation graph of a small example expression (a tanh neuron) to FILE.svg (needs Graphviz 'dot') or FILE.dot [default: none]",
        };
        var plot = new Option<string?>("--plot")
        {
            Description = "Write a picture of the learned decision boundary and the points to FILE.png [default: none]",
        };

        var command = new Command("micrograd", "Train a tiny MLP on two moons with the scalar autograd engine (micrograd's demo)")
        {
            steps, seed, points, graph, plot,
        };
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            var options = new MoonsOptions
            {
                Steps = parse.GetValue(steps),
                Seed = parse.GetValue(seed),
                Points = parse.GetValue(points),
            };
            string? graphPath = parse.GetValue(graph);
            string? plotPath = parse.GetValue(plot);
            Validate(options, graphPath, plotPath);

            if (graphPath is not null)
            {
                GraphDrawing.Write(ExampleExpression(), graphPath);
                output.WriteLine($"graph: {graphPath}");
            }

            var training = new MoonsTraining(options);
            output.WriteLine($"two moons: {options.Points} points, seed {options.Seed}; MLP 2-16-16-1, {training.Model.Parameters().Count} parameters");
            double accuracy = TrainingProgress.Run("micrograd", options.Steps, output, reporter =>
            {
                training.Train(s => reporter.Step(s.Step + 1,
                    string.Create(CultureInfo.InvariantCulture, $"loss {s.Loss:F4}  accuracy {s.Accuracy * 100:0.#}%  lr {s.LearningRate:F3}")));
                return training.Accuracy();
            });

            if (plotPath is not null)
            {
                DecisionBoundaryPlot.Save(training, plotPath);
                output.WriteLine($"plot: {plotPath}");
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy: {accuracy * 100:0.##}%"));
            return NablaApp.ExitOk;
        });
        return command;
    }

    private static void Validate(MoonsOptions options, string? graphPath, string? plotPath)
    {
        if (options.Steps < 1) throw new UsageException($"--steps must be at least 1, got {options.Steps}");
        if (options.Steps > MaxSteps) throw new UsageException($"--steps must be at most {MaxSteps:N0}, got {options.Steps:N0}");
        if (options.Points < 2) throw new UsageException($"--points must be at least 2 (one per moon), got {options.Points}");
        if (options.Points > MaxPoints)
            throw new UsageException($"--points must be at most {MaxPoints:N0} (each point holds about 100 KB of graph per step), got {options.Points:N0}");
        if (graphPath is not null && Path.GetExtension(graphPath).ToLowerInvariant() is not (".svg" or ".dot"))
            throw new UsageException($"--graph '{graphPath}' must end in .svg or .dot");
        if (plotPath is not null && !Path.GetExtension(plotPath).Equals(".png", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--plot '{plotPath}' must end in .png");
    }

    /// <summary>The lecture's neuron: o = tanh(x1·w1 + x2·w2 + b), after its backward pass, so the
    /// drawing shows both data and gradients.</summary>
    internal static Value ExampleExpression()
    {
        var x1 = new Value(2.0, "x1");
        var x2 = new Value(0.0, "x2");
        var w1 = new Value(-3.0, "w1");
        var w2 = new Value(1.0, "w2");
        var b = new Value(6.8813735870195432, "b");
        Value x1w1 = x1 * w1; x1w1.Label = "x1*w1";
        Value x2w2 = x2 * w2; x2w2.Label = "x2*w2";
        Value sum = x1w1 + x2w2; sum.Label = "x1*w1 + x2*w2";
        Value n = sum + b; n.Label = "n";
        Value o = n.Tanh(); o.Label = "o";
        o.Backward();
        return o;
    }
}
