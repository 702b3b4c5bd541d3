namespace Nabla.Optim;

/// <summary>The learning rate as a function of the step (counted from 0), set on the optimizer before each step.</summary>
public abstract record LearningRateSchedule
{
    public abstract float At(int step);

    /// <summary>The same rate throughout.</summary>
    public sealed record Constant(float Rate) : LearningRateSchedule
    {
        public override float At(int step) => Rate;
    }

    /// <summary>Multiplied by <paramref name="Gamma"/> every <paramref name="StepSize"/> steps (the makemore lectures'
    /// drop from 0.1 to 0.01 halfway is StepDecay(0.1, 100_000, 0.1)).</summary>
    public sealed record StepDecay(float Rate, int StepSize, float Gamma) : LearningRateSchedule
    {
        public override float At(int step) =>
            StepSize > 0 ? Rate * MathF.Pow(Gamma, step / StepSize) : throw new ArgumentException($"StepDecay: step size must be positive, got {StepSize}");
    }

    /// <summary>
    /// Linear warm-up from 0 to <paramref name="MaxRate"/> over <paramref name="WarmupSteps"/>, then a cosine decay to
    /// <paramref name="MinRate"/> at <paramref name="DecaySteps"/>, and <paramref name="MinRate"/> after: nanoGPT's schedule
    /// (warm-up from Goyal et al. 2017, cosine from Loshchilov and Hutter 2017, "SGDR").
    /// </summary>
    public sealed record WarmupCosine(float MaxRate, float MinRate, int WarmupSteps, int DecaySteps) : LearningRateSchedule
    {
        public override float At(int step)
        {
            if (step < WarmupSteps) return MaxRate * (step + 1) / (WarmupSteps + 1);
            if (step >= DecaySteps) return MinRate;
            double progress = (double)(step - WarmupSteps) / Math.Max(1, DecaySteps - WarmupSteps);
            return (float)(MinRate + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (MaxRate - MinRate));
        }
    }
}
