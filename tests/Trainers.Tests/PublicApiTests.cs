using Pipelines.Testing;
using Xunit;

namespace Pipelines.Trainers.Tests;

public sealed class PublicApiTests
{
    /// <summary>
    /// The public surface of Pipelines.Trainers equals PublicApi/Pipelines.Trainers.txt; after an intended change run
    /// <c>UPDATE_PUBLIC_API=1 dotnet test tests/Trainers.Tests/Trainers.Tests.csproj -c Release --filter PublicApi</c> and commit the file.
    /// </summary>
    [Fact]
    public void PublicApi_MatchesTheCheckedInSnapshot() => PublicApiSnapshot.Verify(typeof(Pipelines.Trainers.Graphs.GraphModel).Assembly);
}
