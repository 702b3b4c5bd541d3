using Nabla.Data;
using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.Benchmarks;

/// <summary>
/// What the bigram models of makemore's first lecture reach on names.txt: the counting model's average negative
/// log likelihood over all 228,146 bigrams (with and without smoothing) and over the lectures' split (counted on
/// train), and the neural bigram's loss under the lecture's full-batch gradient descent (lr 50, seed 2147483647).
/// <c>--steps N</c> sets how far the neural bigram trains (default 200).
/// </summary>
public static class BigramQualitySuite
{
    public static int Run(string[] args)
    {
        int steps = Measure.Option(args, "bigram", "--steps", 200);
        Words words = Words.Load(Datasets.Resolve("names.txt"));
        int v = words.VocabularySize;
        var (x, y) = words.Contexts(words.Items, 1);

        Console.WriteLine($"counting bigram, all {y.Count:N0} bigrams of names.txt");
        Console.WriteLine();
        Console.WriteLine("| smoothing | NLL    |");
        Console.WriteLine("|----------:|-------:|");
        foreach (float smoothing in new[] { 1f, 0f })
        {
            var counting = new BigramCounts(v, smoothing);
            counting.Fit(x, y);
            Console.WriteLine($"| {smoothing,9} | {counting.ExactNegativeLogLikelihood(x, y):F4} |");
        }

        WordSplits split = words.Split(WordSplit.Lecture);
        var (xtr, ytr) = words.Contexts(split.Train, 1);
        var (xdev, ydev) = words.Contexts(split.Val, 1);
        var (xte, yte) = words.Contexts(split.Test, 1);
        var trained = new BigramCounts(v, smoothing: 1f);
        trained.Fit(xtr, ytr);
        Console.WriteLine();
        Console.WriteLine("counting bigram (+1 smoothing) counted on the lectures' train split");
        Console.WriteLine();
        Console.WriteLine("| train  | dev    | test   |");
        Console.WriteLine("|-------:|-------:|-------:|");
        Console.WriteLine($"| {trained.ExactNegativeLogLikelihood(xtr, ytr):F4} | {trained.ExactNegativeLogLikelihood(xdev, ydev):F4} | {trained.ExactNegativeLogLikelihood(xte, yte):F4} |");

        Console.WriteLine();
        Console.WriteLine($"neural bigram, full-batch gradient descent on all bigrams, lr {NeuralBigram.LectureLearningRate}, {steps} steps");
        Console.WriteLine();
        Console.WriteLine("| steps | loss (NLL + 0.01·mean(W²)) |");
        Console.WriteLine("|------:|---------------------------:|");
        var neural = new NeuralBigram(v, new Generator(2147483647));
        List<float> losses = neural.GradientDescent(x, y, steps);     // losses[k]: the loss after k steps
        float final, nll;
        using (Tensor.NoGrad())
        {
            final = neural.Loss(x, y).Item();
            nll = neural.Forward(x).CrossEntropy(y).Item();
        }
        foreach (int step in new[] { 0, 10, 50, 100, 120 }.Where(s => s < steps))
            Console.WriteLine($"| {step,5} | {losses[step],26:F4} |");
        Console.WriteLine($"| {steps,5} | {final,26:F4} |");
        Console.WriteLine($"(after {steps} steps: NLL without the regularization {nll:F4})");
        return 0;
    }
}
