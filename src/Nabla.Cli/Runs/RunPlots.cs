using System.Globalization;
using Nabla.Training;
using ScottPlot;

namespace Nabla.Cli;

/// <summary>
/// The pictures of a training run, drawn from its run directory: loss.png (train and validation loss against
/// step), lr.png (the learning-rate schedule) and, for a model with a two-dimensional character embedding,
/// embedding.png (makemore lecture 2's picture of where each character sits). <c>nabla plot</c> calls
/// <see cref="Write"/>, and so can a training job when it ends; <c>nabla report</c> draws the same plots as SVG.
/// </summary>
public static class RunPlots
{
    public const int Width = 900, Height = 540;

    /// <summary>Writes the run's plots into its folder and returns their paths. <paramref name="vocabulary"/> labels
    /// the embedding plot (see <see cref="RunEmbedding"/> for where it is otherwise found).</summary>
    /// <exception cref="InvalidDataException">The run has no metrics, or they are not what a run writes.</exception>
    public static IReadOnlyList<string> Write(RunDirectory run, bool logY = false, string? vocabulary = null)
    {
        RunMetrics metrics = RequireMetrics(run);
        var written = new List<string>();
        void Save(Plot plot, string name)
        {
            string path = Path.Combine(run.Path, name);
            plot.SavePng(path, Width, Height);
            written.Add(path);
        }
        Save(Loss(metrics, logY), "loss.png");
        Save(LearningRate(metrics), "lr.png");
        if (RunEmbedding.TryRead(run, vocabulary) is RunEmbedding embedding) Save(Embedding(embedding), "embedding.png");
        return written;
    }

    /// <summary>The run's metrics; an error naming the file when there are none to draw.</summary>
    public static RunMetrics RequireMetrics(RunDirectory run)
    {
        RunMetrics metrics = RunMetrics.Read(run);
        if (metrics.LineCount == 0) throw new InvalidDataException($"{run.MetricsPath}: no metrics to plot (the file is missing or empty; a model trained by counting logs none)");
        return metrics;
    }

    /// <summary>Train loss (every logged step), validation loss and the evaluated train loss (evaluation steps).</summary>
    public static Plot Loss(RunMetrics metrics, bool logY)
    {
        var plot = new Plot();
        Add(plot, metrics.Column("train", "step", "train_loss"), logY, markers: false);
        Add(plot, metrics.Column("train (evaluated)", "step", "eval_train_loss"), logY, markers: true);
        Add(plot, metrics.Column("val", "step", "val_loss"), logY, markers: true);
        if (logY) LogTicks(plot);
        plot.ShowLegend(Alignment.UpperRight);
        plot.Title(logY ? "loss (log scale)" : "loss");
        plot.XLabel("step");
        plot.YLabel("loss");
        return plot;
    }

    public static Plot LearningRate(RunMetrics metrics)
    {
        var plot = new Plot();
        Add(plot, metrics.Column("learning rate", "step", "lr"), logY: false, markers: false, legend: false);
        plot.Title("learning rate");
        plot.XLabel("step");
        plot.YLabel("learning rate");
        return plot;
    }

    /// <summary>Tokens per second (averaged from the start of the run) against elapsed time.</summary>
    public static Plot Throughput(RunMetrics metrics)
    {
        var plot = new Plot();
        Add(plot, metrics.Column("tokens/s", "elapsed_seconds", "tokens_per_second"), logY: false, markers: false, legend: false);
        plot.Title("throughput");
        plot.XLabel("elapsed seconds");
        plot.YLabel("tokens per second");
        return plot;
    }

    /// <summary>Each character at its two embedding coordinates, labelled, as in makemore lecture 2.</summary>
    public static Plot Embedding(RunEmbedding embedding)
    {
        var plot = new Plot();
        plot.Add.Markers(embedding.X, embedding.Y, MarkerShape.FilledCircle, 22, Colors.SteelBlue);
        for (int i = 0; i < embedding.Labels.Count; i++)
        {
            var text = plot.Add.Text(embedding.Labels[i], embedding.X[i], embedding.Y[i]);
            text.LabelAlignment = Alignment.MiddleCenter;
            text.LabelFontColor = Colors.White;
            text.LabelFontSize = 13;
            text.LabelBold = true;
        }
        plot.Title($"character embedding ({embedding.TensorName})");
        plot.XLabel("dimension 0");
        plot.YLabel("dimension 1");
        return plot;
    }

    private static void Add(Plot plot, Series series, bool logY, bool markers, bool legend = true)
    {
        double[] x = series.X, y = series.Y;
        if (logY)
        {
            // A log axis cannot show zero or a negative value; such points are left out.
            var kept = Enumerable.Range(0, series.Count).Where(i => y[i] > 0).ToArray();
            x = kept.Select(i => series.X[i]).ToArray();
            y = kept.Select(i => Math.Log10(series.Y[i])).ToArray();
        }
        if (x.Length == 0) return;
        var scatter = plot.Add.Scatter(x, y);
        if (legend) scatter.LegendText = series.Name;
        scatter.LineWidth = markers ? 2 : 1.5f;
        scatter.MarkerSize = markers ? 6 : 0;
    }

    // ScottPlot draws a log axis as log10 of the data with ticks labelled back in the data's units.
    private static void LogTicks(Plot plot) => plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        LabelFormatter = v => Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture),
    };
}
