using Nabla.Optim;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// The makemore lectures' training loop for fixed-context models, and their evaluation on a whole split:
/// <code>
/// for i in range(steps):
///     ix = randint(0, N, (batch,))           # a minibatch drawn with replacement
///     loss = cross_entropy(model(X[ix]), Y[ix])
///     zero_grad(); loss.backward()
///     p -= lr(i) · p.grad                     # plain SGD
/// </code>
/// (the shared <see cref="Training.Trainer"/> adds clipping, checkpoints and logs that these lectures have not
/// reached yet).
/// </summary>
public static class ContextTraining
{
    /// <summary>
    /// Runs <paramref name="steps"/> SGD steps on minibatches of <paramref name="batchSize"/> rows of
    /// (<paramref name="x"/>, <paramref name="y"/>) and returns each step's minibatch loss.
    /// <paramref name="onStep"/> is called after every step with its index and loss.
    /// </summary>
    public static float[] Train(CharModel model, Tensor x, Tensor y, int steps, LearningRateSchedule schedule,
        Generator generator, int batchSize = 32, Action<int, float>? onStep = null)
    {
        CheckExamples(model, x, y, "ContextTraining.Train");
        if (steps < 0) throw new ArgumentException($"ContextTraining.Train: steps must be ≥ 0, got {steps}");
        if (batchSize < 1) throw new ArgumentException($"ContextTraining.Train: batch size must be ≥ 1, got {batchSize}");
        var optimizer = new Sgd(model.Parameters(), schedule.At(0));
        var losses = new float[steps];
        model.Train();
        for (int i = 0; i < steps; i++)
        {
            using (var scope = new TensorScope())
            {
                Tensor ix = Tensor.RandInt(0, x.Size(0), [batchSize], generator);
                Tensor loss = model.Forward(x[ix]).CrossEntropy(y[ix]);
                loss.Backward();
                losses[i] = loss.Item();
            }
            optimizer.LearningRate = schedule.At(i);
            optimizer.Step();
            optimizer.ZeroGrad();
            onStep?.Invoke(i, losses[i]);
        }
        return losses;
    }

    /// <summary>The mean cross-entropy over every example of a split (see <see cref="CharModel.Evaluate"/>).</summary>
    public static float Loss(CharModel model, Tensor x, Tensor y, int chunk = 4096)
    {
        CheckExamples(model, x, y, "ContextTraining.Loss");
        return model.Evaluate(x, y, chunk);
    }

    private static void CheckExamples(CharModel model, Tensor x, Tensor y, string where)
    {
        if (model.PredictsEveryPosition)
            throw new ArgumentException($"{where}: {model.GetType().Name} predicts at every position; this loop is for fixed-context models");
        if (x.Rank != 2 || x.Size(1) != model.BlockSize || y.Rank != 1 || y.Size(0) != x.Size(0) || x.Size(0) == 0)
            throw new ArgumentException($"{where}: expected X (N, {model.BlockSize}) and Y (N) with N > 0, got X {Shapes.Format(x.Shape)} and Y {Shapes.Format(y.Shape)}");
    }
}
