using Nabla.Scalar;
using ScottPlot;

namespace Nabla.Cli;

/// <summary>The picture of micrograd's demo: the model's score over the plane as a heatmap (its sign is
/// the decision), with the training points on top.</summary>
internal static class DecisionBoundaryPlot
{
    public static void Save(MoonsTraining training, string path, int gridSize = 120)
    {
        var data = training.Data;
        double margin = 0.5;
        double xMin = data.X.Min() - margin, xMax = data.X.Max() + margin;
        double yMin = data.Y.Min() - margin, yMax = data.Y.Max() + margin;

        // Row 0 is the top of a ScottPlot heatmap, so rows run from yMax down to yMin.
        var scores = new double[gridSize, gridSize];
        for (int row = 0; row < gridSize; row++)
        {
            double y = yMax - (row + 0.5) * (yMax - yMin) / gridSize;
            for (int col = 0; col < gridSize; col++)
            {
                double x = xMin + (col + 0.5) * (xMax - xMin) / gridSize;
                scores[row, col] = Math.Clamp(training.Score(x, y), -1.5, 1.5); // the sign matters, not the size
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(scores);
        heatmap.Rectangle = new CoordinateRect(xMin, xMax, yMin, yMax);
        heatmap.Colormap = new ScottPlot.Colormaps.Balance(); // blue below zero, red above, white at the boundary
        heatmap.ManualRange = new ScottPlot.Range(-1.5, 1.5);
        heatmap.Opacity = 0.6;
        plot.Add.ColorBar(heatmap);

        for (int label = -1; label <= 1; label += 2)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < data.Count; i++)
                if (data.Labels[i] == label) { xs.Add(data.X[i]); ys.Add(data.Y[i]); }
            var outline = plot.Add.ScatterPoints(xs.ToArray(), ys.ToArray(), Colors.Black);
            outline.MarkerSize = 11;
            var points = plot.Add.ScatterPoints(xs.ToArray(), ys.ToArray(), label > 0 ? Colors.Red : Colors.DodgerBlue);
            points.MarkerSize = 8;
            points.LegendText = label > 0 ? "label +1" : "label -1";
        }
        plot.ShowLegend();
        plot.Title($"micrograd: decision boundary after {training.Options.Steps} steps (accuracy {training.Accuracy() * 100:0.##}%)");
        plot.XLabel("x");
        plot.YLabel("y");
        plot.Axes.SetLimits(xMin, xMax, yMin, yMax);
        plot.SavePng(path, 800, 600);
    }
}
