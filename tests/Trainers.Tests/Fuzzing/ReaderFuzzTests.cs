using Pipelines.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Trainers.Tests.Fuzzing;

/// <summary>
/// Issue 19 fuzz suite for the readers of Pipelines.Trainers (<see cref="FuzzKinds"/>): seeded mutations of each input kind; every
/// outcome is success or a typed PipelinesException, within the per-case time limit.
/// </summary>
public sealed class ReaderFuzzTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("sentence file")]
    [InlineData("checkpoint")]
    public void MutatedInputs_SucceedOrFailTyped(string kind) => output.WriteLine(FuzzSuite.Check(kind));
}
